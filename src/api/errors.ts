/**
 * The one error root of katib-ts. Every failure that crosses a component boundary is a
 * KatibError with a code from a closed set; the RPC boundary maps codes to gRPC/Connect
 * status codes and back (see `grpcStatusOf` / `codeOfGrpcStatus`), the CLI maps them to
 * exit codes, and SDK users can `switch (err.code)`.
 */
export const ERROR_CODES = [
  'cancelled',
  'unknown',
  'invalid_argument',
  'deadline_exceeded',
  'not_found',
  'already_exists',
  'permission_denied',
  'resource_exhausted',
  'failed_precondition',
  'aborted',
  'out_of_range',
  'unimplemented',
  'internal',
  'unavailable',
  'data_loss',
  'unauthenticated',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** gRPC status numbers, in the order of ERROR_CODES (OK = 0 is not an error). */
const GRPC_STATUS: Record<ErrorCode, number> = {
  cancelled: 1,
  unknown: 2,
  invalid_argument: 3,
  deadline_exceeded: 4,
  not_found: 5,
  already_exists: 6,
  permission_denied: 7,
  resource_exhausted: 8,
  failed_precondition: 9,
  aborted: 10,
  out_of_range: 11,
  unimplemented: 12,
  internal: 13,
  unavailable: 14,
  data_loss: 15,
  unauthenticated: 16,
};

export interface KatibErrorOptions {
  /** The input field at fault, as a path (`observation_log.metric_logs[3].time_stamp`). */
  field?: string;
  cause?: unknown;
}

export class KatibError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: KatibErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KatibError';
    this.code = code;
    this.field = options.field;
  }

  /** Wraps anything thrown into a KatibError, keeping a KatibError as it is. */
  static from(err: unknown, fallback: ErrorCode = 'internal'): KatibError {
    if (err instanceof KatibError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new KatibError(fallback, message, { cause: err });
  }
}

/**
 * Bad input: names the field, shows the value and states the rule, e.g.
 * `metric_logs[0].time_stamp: "yesterday" is not an RFC 3339 time stamp`.
 */
export function invalidArgument(field: string, value: unknown, rule: string): KatibError {
  return new KatibError('invalid_argument', `${field}: ${showValue(value)} ${rule}`, { field });
}

/** Renders a value for an error message, cut short so a huge input cannot flood a log. */
export function showValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (value === undefined) text = 'undefined';
  else if (typeof value === 'number' || typeof value === 'boolean' || value === null) text = String(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function grpcStatusOf(code: ErrorCode): number {
  return GRPC_STATUS[code];
}

export function codeOfGrpcStatus(status: number): ErrorCode {
  for (const code of ERROR_CODES) if (GRPC_STATUS[code] === status) return code;
  return 'unknown';
}
