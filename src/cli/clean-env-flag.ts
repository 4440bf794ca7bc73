/**
 * `--clean-env` of `katib run` and `katib server` (env KATIB_CLEAN_ENV): local trials start from a
 * clean environment instead of inheriting this process's. Self-contained (one option) so that it
 * moves with the rest of the options.
 */
import type { Command } from 'commander';
import { CLEAN_ENV_ANNOTATION } from '../api/clean-env-annotation.js';
import { flag } from './flags.js';

export interface CleanEnvFlags {
  /** The flag, or KATIB_CLEAN_ENV read as true/false (1/0, yes/no, on/off; exit 2 otherwise). */
  cleanEnv?: boolean;
}

export function addCleanEnvOption(command: Command): Command {
  return command.addOption(
    flag(
      '--clean-env',
      'local trials start from a clean environment (PATH, HOME, USER, LOGNAME, SHELL, LANG, LANGUAGE, LC_*, TZ, TMPDIR) ' +
        `instead of inheriting this one; an experiment's ${CLEAN_ENV_ANNOTATION} annotation decides for its own trials`,
      { env: 'KATIB_CLEAN_ENV' },
    ),
  );
}
