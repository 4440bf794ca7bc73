import pino from 'pino';
import { KatibError } from '../api/errors.js';
import { startDbManager } from '../dbmanager/index.js';
import { openDatabase, redactUrl } from '../store/index.js';
import { type CliContext, CliError } from './context.js';
import { databaseSetting } from './database-setting.js';
import { type LimitFlags, limitSettings } from './limit-settings.js';
import { booleanSetting, flagOrEnv, type ServiceFlags, serviceSettings } from './options.js';
import { shutdownSignal } from './signals.js';

export interface DbManagerFlags extends ServiceFlags, LimitFlags {
  db?: string;
}

/**
 * Runs the DB manager until SIGTERM/SIGINT: checks every setting first (exit 2 naming the bad
 * one), opens the database (exit 1 if it never answers), serves, then drains and closes the
 * database it opened.
 */
export async function runDbManager(flags: DbManagerFlags, context: CliContext): Promise<void> {
  const { env } = context;
  const { grpcListen, httpListen, connectTimeoutSeconds } = serviceSettings(
    flags,
    env,
    'KATIB_DB_MANAGER_LISTEN',
  );
  const skipInitialization = booleanSetting(flagOrEnv('', undefined, env, 'SKIP_DB_INITIALIZATION', 'false'));
  const dbUrl = databaseSetting(flags.db, env);
  const limits = limitSettings(flags, env);

  const logger = pino(
    { name: 'katib-db-manager', level: env.KATIB_LOG_LEVEL || 'info' },
    pino.destination(1),
  );
  const signal = shutdownSignal((again) => {
    logger.warn({ signal: again }, 'second signal: exiting without waiting for the drain');
    process.exit(1);
  });

  let db: Awaited<ReturnType<typeof openDatabase>>;
  try {
    db = await openDatabase(dbUrl.value, { skipInitialization, connectTimeoutSeconds });
  } catch (err) {
    throw new CliError(`cannot open database ${redactUrl(dbUrl.value)}: ${messageOf(err)}`, exitCodeOf(err));
  }
  try {
    const manager = await startDbManager({ db, grpcListen, httpListen, logger, limits });
    const received = await signal;
    logger.info({ signal: received }, 'shutting down');
    await manager.close();
  } catch (err) {
    throw new CliError(messageOf(err), exitCodeOf(err));
  } finally {
    await db.close();
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function exitCodeOf(err: unknown): number {
  return err instanceof KatibError && err.code === 'invalid_argument' ? 2 : 1;
}
