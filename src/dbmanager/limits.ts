/**
 * What one request may carry. Requests past a limit are rejected whole; nothing is stored.
 *
 * - Names: Katib's columns are VARCHAR(255); MySQL and PostgreSQL count characters (code points).
 * - Values: numbers print in at most a few dozen characters; the cap keeps MySQL's TEXT (64 KiB)
 *   from turning a silly value into a database fault.
 * - Metric logs per request: RESOURCE_EXHAUSTED past the cap (the same code gRPC gives a message
 *   that is too large), so a client knows to split its batch rather than fix a field.
 * - Message bytes: grpc-js's default max receive message length; the HTTP port uses the same.
 */
export const MAX_NAME_LENGTH = 255;
export const MAX_VALUE_LENGTH = 1024;
export const MAX_METRIC_LOGS_PER_REQUEST = 100_000;
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
