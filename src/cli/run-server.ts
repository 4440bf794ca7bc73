import path from 'node:path';
import pino from 'pino';
import { KatibError } from '../api/errors.js';
import { startKatibServer } from '../server/index.js';
import { dbUrlFromKatibEnv, parseDbUrl, redactUrl } from '../store/index.js';
import { type CliContext, CliError } from './context.js';
import { flagOrEnv, listenAddress, positiveSeconds, type Setting } from './options.js';
import { shutdownSignal } from './signals.js';

export interface ServerFlags {
  listen?: string;
  httpListen?: string;
  db?: string;
  workDir?: string;
  dbConnectTimeout?: string;
}

/**
 * Runs `katib server` until SIGTERM/SIGINT: checks every setting first (exit 2 naming the bad
 * one), opens the database (exit 1 if it never answers), serves and resumes unfinished
 * experiments; on the signal, stops the controllers (their running trials resume at the next
 * start), drains and closes.
 */
export async function runServer(flags: ServerFlags, context: CliContext): Promise<void> {
  const { env } = context;
  const grpcListen = listenAddress(
    flagOrEnv('--listen', flags.listen, env, 'KATIB_SERVER_LISTEN', '127.0.0.1:6789'),
  );
  const httpSetting = flagOrEnv(
    '--http-listen',
    flags.httpListen,
    env,
    'KATIB_HTTP_LISTEN',
    '127.0.0.1:8080',
  );
  const httpListen = httpSetting.value === 'off' ? null : listenAddress(httpSetting);
  const connectTimeoutSeconds = positiveSeconds(
    flagOrEnv('--db-connect-timeout', flags.dbConnectTimeout, env, 'KATIB_DB_CONNECT_TIMEOUT', '60'),
  );
  const workRoot = path.resolve(
    flagOrEnv('--work-dir', flags.workDir, env, 'KATIB_WORK_DIR', '.katib').value,
  );
  const dbUrl = databaseUrl(flags, env);
  try {
    parseDbUrl(dbUrl.value);
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).replace(/^--db: /, '');
    throw new CliError(`${dbUrl.source === 'default' ? '--db' : dbUrl.source}: ${message}`, 2);
  }

  const logger = pino({ name: 'katib-server', level: env.KATIB_LOG_LEVEL || 'info' }, pino.destination(1));
  const signal = shutdownSignal((again) => {
    logger.warn({ signal: again }, 'second signal: exiting without waiting');
    process.exit(1);
  });
  let server: Awaited<ReturnType<typeof startKatibServer>>;
  try {
    server = await startKatibServer({
      db: dbUrl.value,
      workRoot,
      grpcListen,
      httpListen,
      logger,
      connectTimeoutSeconds,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const code = err instanceof KatibError && err.code === 'invalid_argument' ? 2 : 1;
    throw new CliError(`cannot start with database ${redactUrl(dbUrl.value)}: ${message}`, code);
  }
  logger.info(
    {
      grpcAddress: server.grpcAddress,
      httpAddress: server.httpAddress,
      database: redactUrl(dbUrl.value),
      workDir: workRoot,
      resumed: server.resumed,
    },
    'katib server ready',
  );
  const received = await signal;
  logger.info({ signal: received }, 'shutting down: stopping trials (they resume at the next start)');
  await server.close();
  logger.info('katib server stopped');
}

/** --db, else KATIB_DB_URL, else Katib's own DB_* variables, else an SQLite file here. */
function databaseUrl(flags: ServerFlags, env: CliContext['env']): Setting {
  const given = flagOrEnv('--db', flags.db, env, 'KATIB_DB_URL', '');
  if (given.source !== 'default') return given;
  const fromKatib = dbUrlFromKatibEnv(env);
  if (fromKatib !== undefined) return { value: fromKatib, source: 'DB_NAME' };
  return { value: 'sqlite:katib.db', source: 'default' };
}
