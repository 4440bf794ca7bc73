import { dbUrlFromKatibEnv, parseDbUrl } from '../store/index.js';
import { type CliContext, CliError } from './context.js';
import { flagOrEnv, type Setting } from './options.js';

/**
 * The database a command uses: `--db`, else KATIB_DB_URL, else Katib's own DB_NAME/DB_USER/...
 * variables (as Katib's DB manager reads them), else `sqlite:katib.db` here. A URL that cannot
 * work ends the command with exit 2, naming where it came from.
 */
export function databaseSetting(flag: string | undefined, env: CliContext['env']): Setting {
  let setting = flagOrEnv('--db', flag, env, 'KATIB_DB_URL', '');
  if (setting.source === 'default') {
    let fromKatib: string | undefined;
    try {
      fromKatib = dbUrlFromKatibEnv(env);
    } catch (err) {
      throw new CliError(err instanceof Error ? err.message : String(err), 2);
    }
    setting =
      fromKatib !== undefined
        ? { value: fromKatib, source: 'DB_NAME' }
        : { value: 'sqlite:katib.db', source: 'default' };
  }
  try {
    parseDbUrl(setting.value);
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).replace(/^--db: /, '');
    throw new CliError(`${setting.source === 'default' ? '--db' : setting.source}: ${message}`, 2);
  }
  return setting;
}
