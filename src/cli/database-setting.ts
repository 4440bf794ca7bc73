import { dbUrlFromKatibEnv, parseDbUrl } from '../store/index.js';
import { type CliContext, CliError } from './context.js';
import { flag, type Setting } from './flags.js';

/**
 * `--db` of the commands that open a database: the flag, else KATIB_DB_URL, else Katib's own
 * DB_NAME/DB_USER/... variables (as Katib's DB manager reads them), else `sqlite:katib.db` here.
 * The command gets the checked Setting.
 */
export function databaseOption(description: string, env: CliContext['env'] = process.env) {
  return flag('--db <url>', description, {
    env: 'KATIB_DB_URL',
    default: 'sqlite:katib.db',
    check: (setting) => databaseSetting(setting, env),
  });
}

/**
 * The database a command uses, from `--db` or KATIB_DB_URL as commander resolved them; for the
 * default, Katib's DB_NAME/... variables come first. A URL that cannot work ends the command with
 * exit 2, naming where it came from.
 */
export function databaseSetting(setting: Setting, env: CliContext['env']): Setting {
  if (setting.source === 'default') {
    let fromKatib: string | undefined;
    try {
      fromKatib = dbUrlFromKatibEnv(env);
    } catch (err) {
      throw new CliError(err instanceof Error ? err.message : String(err), 2);
    }
    if (fromKatib !== undefined) setting = { value: fromKatib, source: 'DB_NAME' };
  }
  try {
    parseDbUrl(setting.value);
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).replace(/^--db: /, '');
    throw new CliError(`${setting.source === 'default' ? '--db' : setting.source}: ${message}`, 2);
  }
  return setting;
}
