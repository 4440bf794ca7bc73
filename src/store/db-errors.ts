import { KatibError } from '../api/errors.js';
import type { Dialect } from './db-url.js';

// Socket-level failures (Node system error codes) and the drivers' own connection-loss codes.
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  // mysql2
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_NORMAL_SHUTDOWN',
  'ER_TOO_MANY_USER_CONNECTIONS',
]);

// better-sqlite3 (extended codes, e.g. SQLITE_IOERR_WRITE): another process holds the lock past
// busy_timeout, the file cannot be opened, or the disk failed.
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR)/;

// MySQL/MariaDB error numbers: too many connections, shutdown, connection killed (MariaDB 1927),
// and the client-side "gone away" / "lost connection" family.
const MYSQL_CONNECTION_ERRNOS = new Set([
  1040, 1053, 1077, 1152, 1158, 1159, 1160, 1161, 1203, 1927, 2002, 2003, 2006, 2013,
]);

// PostgreSQL SQLSTATE: class 08 (connection exception), 53300 too_many_connections,
// 57P01-57P03 (admin shutdown / terminated, crash shutdown, cannot connect now).
const PG_CONNECTION_STATES = /^(08...|53300|57P0[1-3])$/;

const CONNECTION_MESSAGES = [
  /connection terminated/i,
  /not queryable/i,
  /timeout exceeded when trying to connect/i,
  /connection is in closed state/i,
  /connection lost/i,
  /server closed the connection/i,
  /Cannot use a pool after calling end/i,
  /Pool is closed/i,
];

/** True when `err` says the database could not be reached or dropped the connection. */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: unknown; errno?: unknown; fatal?: unknown };
  if (
    typeof e.code === 'string' &&
    (CONNECTION_CODES.has(e.code) || PG_CONNECTION_STATES.test(e.code) || SQLITE_UNAVAILABLE.test(e.code))
  )
    return true;
  if (typeof e.errno === 'number' && MYSQL_CONNECTION_ERRNOS.has(e.errno)) return true;
  // mysql2 marks errors that closed the connection as fatal.
  if (e.fatal === true) return true;
  if (CONNECTION_MESSAGES.some((re) => re.test(e.message))) return true;
  return err instanceof AggregateError && err.errors.some(isConnectionError);
}

// A pooled connection that worked before and died since (server restart, KILL, idle timeout), as
// opposed to a connection that cannot be made at all (ECONNREFUSED, ENOTFOUND, timeouts).
const DROPPED_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CONNECTION_KILLED',
]);
const DROPPED_MYSQL_ERRNOS = new Set([1927, 2006, 2013]);
const DROPPED_MESSAGES = [
  /connection terminated unexpectedly/i,
  /not queryable/i,
  /connection is in closed state/i,
  /connection lost/i,
  /server closed the connection/i,
];

/**
 * True when `err` came from a pooled connection that the server had dropped: the pool discards
 * such a connection, so the same call on the next one may well succeed.
 */
export function isDroppedConnection(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: unknown; errno?: unknown };
  if (typeof e.code === 'string' && (DROPPED_CODES.has(e.code) || e.code === '57P01')) return true;
  if (typeof e.errno === 'number' && DROPPED_MYSQL_ERRNOS.has(e.errno)) return true;
  return DROPPED_MESSAGES.some((re) => re.test(e.message));
}

/**
 * The store's error for a failed database call: KatibError `unavailable` for connection faults
 * (the message names the dialect and the cause, so `unavailable` alone tells an operator where to
 * look), `internal` for anything else. A KatibError passes through unchanged.
 */
export function storeError(err: unknown, dialect: Dialect, during: string): KatibError {
  if (err instanceof KatibError) return err;
  const cause = describe(err);
  if (isConnectionError(err)) {
    return new KatibError('unavailable', `${dialect} database unavailable during ${during}: ${cause}`, {
      cause: err,
    });
  }
  return new KatibError('internal', `${dialect} database error during ${during}: ${cause}`, { cause: err });
}

/** The message of `err`, with the driver's code when it has one (`ECONNREFUSED: connect ...`). */
export function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  // Node's AggregateError for a multi-address connect has an empty message; its parts say why.
  const message =
    err.message !== ''
      ? err.message
      : err instanceof AggregateError
        ? err.errors.map(describe).join('; ')
        : err.name;
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/** A database error that waiting cannot cure: what is wrong, and what to do about it. */
export interface PermanentFault {
  code: 'not_found' | 'unauthenticated' | 'permission_denied' | 'failed_precondition';
  /** One line for the user: what to do (`create it: CREATE DATABASE katib;`). */
  hint: string;
}

/** What `permanentFault` needs to know of the database the error came from. */
export interface FaultContext {
  dialect: Dialect;
  /** The database name (server dialects) or file path (SQLite). */
  database: string;
  user?: string | undefined;
}

// mysql2 codes for errors that a retry cannot cure: unknown database; access denied (wrong
// password, unknown user, a socket-only user, no password given); no rights on the database.
const MYSQL_UNKNOWN_DATABASE = new Set(['ER_BAD_DB_ERROR']);
const MYSQL_BAD_LOGIN = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
  'ER_NOT_SUPPORTED_AUTH_MODE',
  'ER_ACCOUNT_HAS_BEEN_LOCKED',
  'ER_MUST_CHANGE_PASSWORD_LOGIN',
]);
const MYSQL_NO_RIGHTS = new Set([
  'ER_DBACCESS_DENIED_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_COLUMNACCESS_DENIED_ERROR',
  'ER_SPECIFIC_ACCESS_DENIED_ERROR',
]);

/**
 * Classifies a connect or migration error that no amount of waiting will cure, or returns
 * undefined for anything else (a refused port, a timeout, a restarting server: those are retried).
 * mysql2 codes (ER_BAD_DB_ERROR 1049, ER_ACCESS_DENIED_ERROR 1045, ER_DBACCESS_DENIED_ERROR 1044,
 * ...), PostgreSQL SQLSTATEs (3D000 invalid_catalog_name, 28P01 invalid_password, 28000
 * invalid_authorization_specification, 42501 insufficient_privilege) and better-sqlite3's
 * SQLITE_CANTOPEN / SQLITE_READONLY / SQLITE_NOTADB.
 */
export function permanentFault(err: unknown, context: FaultContext): PermanentFault | undefined {
  if (!(err instanceof Error)) return undefined;
  if (err instanceof AggregateError) {
    for (const part of err.errors) {
      const fault = permanentFault(part, context);
      if (fault !== undefined) return fault;
    }
    return undefined;
  }
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  const { dialect, database } = context;
  const user = context.user ?? '(the default user)';
  if (dialect === 'mysql') {
    if (MYSQL_UNKNOWN_DATABASE.has(code))
      return {
        code: 'not_found',
        hint: `create it first: mysql -e 'CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4;'`,
      };
    if (MYSQL_BAD_LOGIN.has(code))
      return {
        code: 'unauthenticated',
        hint: `check the user name and password in the URL (user ${user}); the server refused them`,
      };
    if (MYSQL_NO_RIGHTS.has(code))
      return {
        code: 'permission_denied',
        hint: `grant the user its rights: GRANT ALL PRIVILEGES ON \`${database}\`.* TO '${user}'@'%';`,
      };
    return undefined;
  }
  if (dialect === 'postgres') {
    if (code === '3D000')
      return {
        code: 'not_found',
        hint: `create it first: createdb '${database}' (or CREATE DATABASE "${database}";)`,
      };
    if (code === '28P01')
      return {
        code: 'unauthenticated',
        hint: `check the password in the URL (user ${user}); the server refused it`,
      };
    if (code === '28000')
      return {
        code: 'unauthenticated',
        hint: /does not exist/.test(err.message)
          ? `create the role first: CREATE ROLE "${user}" LOGIN PASSWORD '...'; or name another user in the URL`
          : `the server refused user ${user} (pg_hba.conf or the role's LOGIN right)`,
      };
    if (code === '42501')
      return {
        code: 'permission_denied',
        hint: `grant the user its rights: GRANT ALL ON DATABASE "${database}" TO "${user}"; GRANT ALL ON SCHEMA public TO "${user}";`,
      };
    return undefined;
  }
  if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM')
    return { code: 'permission_denied', hint: `this user cannot create ${database} or its folder` };
  if (/^SQLITE_CANTOPEN/.test(code))
    return {
      code: 'failed_precondition',
      hint: `check that ${database} can be created or opened by this user (its folder exists and is writable)`,
    };
  if (/^SQLITE_READONLY/.test(code))
    return {
      code: 'permission_denied',
      hint: `${database} (or its folder, for the -wal and -shm files) is read-only for this user`,
    };
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
    return {
      code: 'failed_precondition',
      hint: `${database} is not a SQLite database; name another file with --db sqlite:PATH`,
    };
  return undefined;
}
