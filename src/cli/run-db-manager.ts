import { openAuth, startDbManager } from '../dbmanager/index.js';
import { openDatabase, redactUrl } from '../store/index.js';
import { type CliContext, CliError } from './context.js';
import type { Setting } from './flags.js';
import { booleanSetting } from './flags.js';
import { type LimitFlags, limitSettings } from './limit-settings.js';
import type { ServiceFlags } from './options.js';
import type { SecurityFlags } from './security-flags.js';
import { securitySettings } from './security-settings.js';
import { commandError, drainSignal, serviceLogger } from './service-process.js';

export interface DbManagerFlags extends ServiceFlags, SecurityFlags, LimitFlags {
  db: Setting;
}

/**
 * Runs the DB manager until SIGTERM/SIGINT: checks every setting first (exit 2 naming the bad
 * one), opens the database (exit 1 if it never answers), serves, then drains and closes the
 * database it opened.
 */
export async function runDbManager(flags: DbManagerFlags, context: CliContext): Promise<void> {
  const { env } = context;
  const { listen: grpcListen, httpListen, dbConnectTimeout: connectTimeoutSeconds, db: dbUrl } = flags;
  // A variable only, as Katib's DB manager has it.
  const skipInitialization = booleanSetting({
    value: env.SKIP_DB_INITIALIZATION ?? '',
    source: 'SKIP_DB_INITIALIZATION',
  });
  const security = await securitySettings(flags);
  if (security.auth && !security.auth.secret && skipInitialization)
    throw new CliError(
      '--auth: SKIP_DB_INITIALIZATION=true leaves the database alone, so the auth secret cannot be kept there: give --auth-secret-file',
      2,
    );
  const limits = limitSettings(flags);

  const logger = serviceLogger('katib-db-manager', env);
  const signal = drainSignal(logger);

  let db: Awaited<ReturnType<typeof openDatabase>>;
  try {
    db = await openDatabase(dbUrl.value, { skipInitialization, connectTimeoutSeconds });
  } catch (err) {
    throw commandError(err, `cannot open database ${redactUrl(dbUrl.value)}: `);
  }
  if (!db.idempotencyKeys)
    logger.warn(
      'the database has no idempotency_keys table (SKIP_DB_INITIALIZATION on a Katib schema): a retried push may be stored twice, as with Katib',
    );
  try {
    const auth = security.auth ? await openAuth(security.auth, db.kysely) : undefined;
    const tls = security.tls ? { cert: security.tls.cert, key: security.tls.key } : undefined;
    const manager = await startDbManager({
      db,
      grpcListen,
      httpListen,
      logger,
      limits,
      ...(auth ? { auth } : {}),
      ...(tls ? { tls } : {}),
    });
    if (auth && security.auth?.operatorToken === undefined)
      logger.info({ operatorToken: auth.operatorToken }, 'operator token (derived from the auth secret)');
    const received = await signal;
    logger.info({ signal: received }, 'shutting down');
    await manager.close();
  } catch (err) {
    throw commandError(err);
  } finally {
    await db.close();
  }
}
