import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { CompiledQuery, Kysely, MysqlDialect, PostgresDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import type { MysqlConfig, PostgresConfig, PostgresSslMode } from './db-url.js';
import type { KatibTables } from './schema.js';

/** Connections per pool: enough for the DB manager's group commit plus the controller's reads. */
export const POOL_SIZE = 10;
/** One connection attempt's limit; `openDatabase` retries attempts until its own deadline. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Idle pooled connections are closed after this, so a quiet server holds few. */
const IDLE_TIMEOUT_MS = 60_000;

// PostgreSQL type OIDs: TIMESTAMP, TIMESTAMPTZ.
const PG_TIMESTAMP_OIDS = new Set([1114, 1184]);

/**
 * A Kysely over a mysql2 pool. Times come back as text (`dateStrings`) and every session runs
 * in UTC, so DATETIME(6) round-trips to the microsecond whatever the client's or server's zone.
 * Pooled connections that the server drops (restart, KILL, idle timeout) leave the pool on their
 * own and the next call opens a fresh one.
 */
export function openMysql(config: MysqlConfig): Kysely<KatibTables> {
  const pool = createPool({
    host: config.host,
    port: config.port,
    ...(config.user === undefined ? {} : { user: config.user }),
    ...(config.password === undefined ? {} : { password: config.password }),
    database: config.database,
    charset: 'utf8mb4',
    dateStrings: true,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: false,
    connectionLimit: POOL_SIZE,
    maxIdle: POOL_SIZE,
    idleTimeout: IDLE_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    enableKeepAlive: true,
  });
  // As for pg below: a connection the server drops emits 'error'; the pool forgets it, the failed
  // query has rejected, and an unheard 'error' would crash the process.
  pool.on('connection', (connection) => connection.on('error', () => {}));
  return new Kysely<KatibTables>({
    dialect: new MysqlDialect({
      pool,
      // UTC for anything the server computes from a time; strict mode so that a bad row (a NULL, an
      // over-long name) fails its statement instead of being stored altered with a warning.
      onCreateConnection: async (connection) => {
        await connection.executeQuery(
          CompiledQuery.raw(
            "SET time_zone = '+00:00', sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'STRICT_TRANS_TABLES')",
          ),
        );
      },
    }),
  });
}

/**
 * A Kysely over a pg pool. TIMESTAMP values are handed back as text (a per-pool type parser, so
 * other pg users in the process are untouched) and sessions run with TimeZone=UTC.
 */
export function openPostgres(config: PostgresConfig): Kysely<KatibTables> {
  const pool = new pg.Pool({
    host: config.host,
    port: config.port,
    ...(config.user === undefined ? {} : { user: config.user }),
    ...(config.password === undefined ? {} : { password: config.password }),
    database: config.database,
    ssl: sslOptions(config.sslMode),
    options: '-c TimeZone=UTC',
    max: POOL_SIZE,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        PG_TIMESTAMP_OIDS.has(oid)
          ? (text: string) => text
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A client whose server connection dies emits 'error': idle ones through the pool, checked-out
  // ones (between Kysely's queries, or after the query that already failed with the same error) on
  // themselves. Without listeners Node would crash the process. The failed query has rejected, and
  // pg-pool drops a client that is no longer queryable, so there is nothing else to do.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return new Kysely<KatibTables>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * libpq's sslmode on node-postgres: disable/allow connect in clear; prefer/require encrypt without
 * checking the certificate (prefer does not fall back to clear text: node-postgres cannot);
 * verify-ca checks the chain, verify-full also the host name.
 */
function sslOptions(mode: PostgresSslMode): false | TlsOptions {
  switch (mode) {
    case 'disable':
    case 'allow':
      return false;
    case 'prefer':
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true };
  }
}
