import { invalidArgument } from '../api/errors.js';
import { MAX_METRIC_NAME_LENGTH } from '../api/metric-name.js';
import { MAX_METRIC_VALUE_LENGTH } from '../api/metric-value.js';

/**
 * What one request may carry, and what one server accepts at once. Requests past a limit are
 * rejected whole; nothing is stored. docs/limits.md lists every limit with its flag.
 *
 * - Names: Katib's columns are VARCHAR(255); MySQL and PostgreSQL count characters (code points).
 *   A lower cap may be configured, never a higher one.
 * - Values: numbers print in at most a few dozen characters; the cap keeps MySQL's TEXT (64 KiB)
 *   from turning a silly value into a database fault. Not configurable.
 * - Metric logs per request: RESOURCE_EXHAUSTED past the cap (the same code gRPC gives a message
 *   that is too large), so a client knows to split its batch rather than fix a field.
 * - Message bytes: grpc-js's default max receive message length; the HTTP port uses the same.
 * - Connections: per port; past the cap a new connection is closed as soon as it is accepted
 *   (the client sees it fail: gRPC UNAVAILABLE), the ones open keep working.
 * - Concurrent streams: HTTP/2's SETTINGS_MAX_CONCURRENT_STREAMS on the gRPC port, calls in
 *   flight at once on one connection.
 * - Idempotency key retention: how long a push's key is kept (KeyPruner), which bounds the keys
 *   table to about that long's pushes. Keep it well above the clients' push timeout (120 s by
 *   default): a retry whose key was pruned is stored again.
 */
export const MAX_NAME_LENGTH = MAX_METRIC_NAME_LENGTH;
export const MAX_VALUE_LENGTH = MAX_METRIC_VALUE_LENGTH;
export const MAX_METRIC_LOGS_PER_REQUEST = 100_000;
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_CONNECTIONS = 1000;
export const DEFAULT_MAX_CONCURRENT_STREAMS = 100;
export const DEFAULT_IDEMPOTENCY_KEY_RETENTION_SECONDS = 24 * 60 * 60;

/** The limits the request checks apply (DbManagerService, decodeReport, validateReport). */
export interface RequestLimits {
  /** Longest trial or metric name, in characters (code points); at most MAX_NAME_LENGTH. */
  maxNameLength: number;
  /** Most metric logs in one ReportObservationLog request. */
  maxMetricLogsPerRequest: number;
}

/** Every limit of a DB manager (startDbManager's `limits`). */
export interface DbManagerLimits extends RequestLimits {
  /** Largest request message, in bytes, on both ports. */
  maxMessageBytes: number;
  /** Connections open at once, per port. */
  maxConnections: number;
  /** Calls in flight at once on one HTTP/2 connection of the gRPC port. */
  maxConcurrentStreams: number;
  /** Seconds an idempotency key is kept after its push; older keys are pruned. */
  idempotencyKeyRetentionSeconds: number;
}

export const DEFAULT_LIMITS: Readonly<DbManagerLimits> = Object.freeze({
  maxNameLength: MAX_NAME_LENGTH,
  maxMetricLogsPerRequest: MAX_METRIC_LOGS_PER_REQUEST,
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  maxConcurrentStreams: DEFAULT_MAX_CONCURRENT_STREAMS,
  idempotencyKeyRetentionSeconds: DEFAULT_IDEMPOTENCY_KEY_RETENTION_SECONDS,
});

/** The range each limit may take (whole numbers). */
export const LIMIT_RANGES: Readonly<Record<keyof DbManagerLimits, { min: number; max: number }>> =
  Object.freeze({
    maxNameLength: { min: 1, max: MAX_NAME_LENGTH },
    maxMetricLogsPerRequest: { min: 1, max: 10_000_000 },
    // gRPC's length prefix is 32 bits; more than 1 GiB in one message is not a metrics push.
    maxMessageBytes: { min: 1024, max: 1024 * 1024 * 1024 },
    maxConnections: { min: 1, max: 1_000_000 },
    maxConcurrentStreams: { min: 1, max: 1_000_000 },
    // Up to ten years; below a second the pruner would spin.
    idempotencyKeyRetentionSeconds: { min: 1, max: 10 * 365 * 24 * 60 * 60 },
  });

/** The rule a limit's value must follow, for error messages and help texts. */
export function limitRule(name: keyof DbManagerLimits): string {
  const { min, max } = LIMIT_RANGES[name];
  return `must be a whole number from ${min} to ${max}`;
}

/**
 * `given` over the defaults, each checked against LIMIT_RANGES: throws an `invalid_argument`
 * KatibError naming `${field}.${name}` otherwise. Unknown keys are refused too (a typo would
 * otherwise silently leave the default in place).
 */
export function resolveLimits(given: Partial<DbManagerLimits> = {}, field = 'limits'): DbManagerLimits {
  const limits: DbManagerLimits = { ...DEFAULT_LIMITS };
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(LIMIT_RANGES, name)) {
      throw invalidArgument(
        `${field}.${name}`,
        value,
        `is not a limit (${Object.keys(LIMIT_RANGES).join(', ')})`,
      );
    }
    const key = name as keyof DbManagerLimits;
    const { min, max } = LIMIT_RANGES[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw invalidArgument(`${field}.${name}`, value, limitRule(key));
    }
    limits[key] = value;
  }
  return limits;
}
