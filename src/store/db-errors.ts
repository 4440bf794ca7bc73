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
