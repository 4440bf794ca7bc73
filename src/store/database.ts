import { setTimeout as sleep } from 'node:timers/promises';
import { type Kysely, sql } from 'kysely';
import { invalidArgument, KatibError } from '../api/errors.js';
import {
  describe,
  type FaultContext,
  isConnectionError,
  type PermanentFault,
  permanentFault,
  storeError,
} from './db-errors.js';
import {
  type DbConfig,
  type Dialect,
  displayUrl,
  type MysqlConfig,
  type PostgresConfig,
  parseDbUrl,
} from './db-url.js';
import type { ExperimentStore } from './experiment-store.js';
import { serverLogWriter, sqliteLogWriter } from './log-writers.js';
import { migrateToLatest } from './migrations.js';
import type { ObservationStore } from './observation-store.js';
import type { KatibTables } from './schema.js';
import { openMysql, openPostgres } from './server-connection.js';
import { SqlExperimentStore } from './sql-experiment-store.js';
import { type LogWriter, pingKysely, SqlObservationStore } from './sql-observation-store.js';
import { timeCodecOf } from './sql-time.js';
import { exclusively, openSqlite, type SqliteHandle } from './sqlite-connection.js';

/**
 * An open katib-ts database: SQLite, MySQL/MariaDB or PostgreSQL behind one Kysely, with the
 * stores over it. Close it once, when the process is done with every store.
 */
export interface Database {
  readonly dialect: Dialect;
  /** The URL with any password shown as `***`, for logs and messages. */
  readonly displayUrl: string;
  /** The query layer, for other stores in the same database (they share its connections). */
  readonly kysely: Kysely<KatibTables>;
  readonly observations: ObservationStore;
  /** Experiments and trials, in the same database (SqlExperimentStore). */
  readonly experiments: ExperimentStore;
  /**
   * False when the schema has no idempotency_keys table (a Katib database opened with
   * skipInitialization): keys are ignored and every push is stored, as Katib does.
   */
  readonly idempotencyKeys: boolean;
  /** Resolves when the database answers a trivial query; rejects KatibError `unavailable` otherwise. */
  ping(): Promise<void>;
  /**
   * Closes the observation store (waiting for its in-flight calls), then releases every
   * connection. Idempotent. `observations.close()` alone only stops that store.
   */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Do not run migrations: the schema is someone else's job (Katib's SKIP_DB_INITIALIZATION). */
  skipInitialization?: boolean;
  /** How long to keep trying to reach the database before giving up. Default 60, as Katib. */
  connectTimeoutSeconds?: number;
}

const DEFAULT_CONNECT_TIMEOUT_SECONDS = 60;
const FIRST_RETRY_DELAY_MS = 200;
const MAX_RETRY_DELAY_MS = 2000;

/**
 * Opens the database named by `url` (see parseDbUrl): connects, retrying until
 * `connectTimeoutSeconds` have passed, then brings the schema to the latest migration unless
 * `skipInitialization`. Rejects with invalid_argument for a bad URL or option, `unavailable` (naming
 * the database and the last error) when it cannot be reached in time, `failed_precondition` for a
 * database migrated by a newer katib-ts, `internal` when a migration fails otherwise.
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  const config = parseDbUrl(url);
  const timeoutSeconds = options.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS;
  if (typeof timeoutSeconds !== 'number' || !Number.isFinite(timeoutSeconds) || timeoutSeconds < 0) {
    throw invalidArgument('connectTimeoutSeconds', timeoutSeconds, 'must be a number of seconds >= 0');
  }
  const shown = displayUrl(config);
  const { kysely, sqlite, write, migrate } = await connect(config, shown, timeoutSeconds);
  if (!options.skipInitialization) {
    try {
      await migrate(timeoutSeconds * 1000);
    } catch (err) {
      await kysely.destroy().catch(() => {});
      throw migrationError(err, config, shown);
    }
  }
  // A schema left to someone else may be Katib's own, without the keys table: then reports are
  // stored as Katib stores them, every time (see ObservationStore).
  const idempotencyKeys = options.skipInitialization ? await hasKeysTable(kysely, config.dialect) : true;
  // Likewise the once-only rule's marks (a schema migrated by an older katib-ts has no such table).
  const explicitMetrics = options.skipInitialization
    ? await hasKeysTable(kysely, config.dialect, 'explicit_metrics')
    : true;
  const observations = new SqlObservationStore({
    kysely,
    dialect: config.dialect,
    time: timeCodecOf(config.dialect),
    write,
    idempotencyKeys,
    explicitMetrics,
  });
  let closing: Promise<void> | undefined;
  return {
    dialect: config.dialect,
    displayUrl: shown,
    kysely,
    observations,
    idempotencyKeys,
    experiments: new SqlExperimentStore(kysely, config.dialect, sqlite),
    ping: async () => {
      try {
        await pingKysely(kysely);
      } catch (err) {
        throw storeError(err, config.dialect, 'ping');
      }
    },
    close: () => {
      closing ??= observations.close().then(() => kysely.destroy());
      return closing;
    },
  };
}

interface Connection {
  kysely: Kysely<KatibTables>;
  /** The SQLite connection, for the experiment store's prepared statements. */
  sqlite?: SqliteHandle;
  write: LogWriter;
  /** Brings the schema up to date, waiting at most `lockTimeoutMs` for another migrating process. */
  migrate(lockTimeoutMs: number): Promise<void>;
}

async function connect(config: DbConfig, shown: string, timeoutSeconds: number): Promise<Connection> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let delay = FIRST_RETRY_DELAY_MS;
  // A server pool is made once (it opens connections lazily); a SQLite file is opened per attempt.
  const server = config.dialect === 'sqlite' ? undefined : openServer(config);
  let lastFault: unknown;
  for (;;) {
    let attempt: Connection | undefined;
    try {
      if (server !== undefined) attempt = server;
      else if (config.dialect === 'sqlite') {
        const handle = openSqlite(config);
        attempt = {
          kysely: handle.kysely,
          sqlite: handle,
          write: sqliteLogWriter(handle),
          migrate: (lockTimeoutMs) =>
            exclusively(handle, lockTimeoutMs, () => migrateToLatest(handle.kysely, 'sqlite')),
        };
      } else throw new Error('unreachable');
      await beforeDeadline(pingKysely(attempt.kysely), deadline);
      return attempt;
    } catch (err) {
      if (server === undefined) await attempt?.kysely.destroy().catch(() => {});
      // An unknown database, a refused login or missing rights stay so: fail now, saying what to do.
      const fault = permanentFault(err, faultContext(config));
      if (fault !== undefined) {
        if (server !== undefined) void server.kysely.destroy().catch(() => {});
        throw permanentError(err, fault, config.dialect, shown);
      }
      // An attempt cut short by the deadline says less than the error before it.
      if (!(err instanceof DeadlineError) || lastFault === undefined) lastFault = err;
      const left = deadline - Date.now();
      if (left <= 0) {
        // Not awaited: a pool stuck connecting to an unresponsive host would hold this up until its own timeout.
        if (server !== undefined) void server.kysely.destroy().catch(() => {});
        throw new KatibError(
          'unavailable',
          `cannot reach the ${config.dialect} database ${shown} within ${timeoutSeconds} s: ${describe(lastFault)}`,
          { cause: lastFault },
        );
      }
      await sleep(Math.min(delay, left));
      delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    }
  }
}

function openServer(config: MysqlConfig | PostgresConfig): Connection {
  const kysely = config.dialect === 'mysql' ? openMysql(config) : openPostgres(config);
  return {
    kysely,
    write: serverLogWriter(kysely, config.dialect, timeCodecOf(config.dialect)),
    // Kysely's migrator locks on the server (GET_LOCK on MySQL, an advisory lock on PostgreSQL).
    migrate: () => migrateToLatest(kysely, config.dialect),
  };
}

/** Whether the table (idempotency_keys by default) is there (a connection fault rejects, as the store would). */
async function hasKeysTable(
  kysely: Kysely<KatibTables>,
  dialect: Dialect,
  table: 'idempotency_keys' | 'explicit_metrics' = 'idempotency_keys',
): Promise<boolean> {
  try {
    await sql`SELECT 1 FROM ${sql.table(table)} WHERE 1 = 0`.execute(kysely);
    return true;
  } catch (err) {
    if (isConnectionError(err)) {
      await kysely.destroy().catch(() => {});
      throw storeError(err, dialect, 'opening');
    }
    return false;
  }
}

/** `work`, or a rejection when `deadline` (epoch ms) passes first. */
async function beforeDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  const controller = new AbortController();
  const timeout = sleep(Math.max(0, deadline - Date.now()), undefined, { signal: controller.signal }).then(
    () => {
      throw new DeadlineError('no answer before the connect timeout');
    },
  );
  try {
    return await Promise.race([work, timeout]);
  } finally {
    controller.abort();
    timeout.catch(() => {});
  }
}

class DeadlineError extends Error {}

function faultContext(config: DbConfig): FaultContext {
  return config.dialect === 'sqlite'
    ? { dialect: 'sqlite', database: config.path }
    : { dialect: config.dialect, database: config.database, user: config.user };
}

function permanentError(err: unknown, fault: PermanentFault, dialect: Dialect, shown: string): KatibError {
  return new KatibError(
    fault.code,
    `cannot open the ${dialect} database ${shown}: ${describe(err)}; ${fault.hint}`,
    {
      cause: err,
    },
  );
}

function migrationError(err: unknown, config: DbConfig, shown: string): KatibError {
  const dialect = config.dialect;
  const fault = permanentFault(err, faultContext(config));
  if (fault !== undefined) return permanentError(err, fault, dialect, shown);
  if (isConnectionError(err)) return storeError(err, dialect, `migrations of ${shown}`);
  const message = describe(err);
  if (/corrupted migrations/i.test(message)) {
    return new KatibError(
      'failed_precondition',
      `${shown} was migrated by a newer katib-ts than this one (${message})`,
      { cause: err },
    );
  }
  return new KatibError('internal', `migrating ${shown} failed: ${message}`, { cause: err });
}
