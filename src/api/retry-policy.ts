/**
 * The retry policy of every katib-ts push client, described once: the TypeScript report client
 * (`katib-ts/report`) imports it; python/katib_push.py and the injected Python and JavaScript
 * clients cannot, and are held to it by test/cases/retry.json, which every client's tests read.
 *
 * - **Retried**: no answer at all (connection refused, reset or closed, GOAWAY, REFUSED_STREAM,
 *   an attempt that timed out) and the codes in RETRIED_CODES: `unavailable` (the DB manager's
 *   database does not answer, or a proxy in front of it is away) and `deadline_exceeded` (an
 *   attempt ran out of time). The request may not have been processed, and every attempt carries
 *   the same idempotency key, so sending it again stores it once.
 * - **Not retried** (fails at once, naming the code): every other code. In particular
 *   `resource_exhausted`, which the DB manager answers for a request over its size or metric-log
 *   limits: the same request is refused again however often it is sent, so retrying only delays
 *   the failure by the whole timeout. Also `internal`, `unknown`, `aborted` (the DB manager never
 *   answers it), `invalid_argument`, `unauthenticated`, `permission_denied`.
 * - An HTTP answer that carries no gRPC/Connect code (from a proxy or a server that is not the
 *   DB manager) is read as gRPC maps HTTP statuses (`codeOfHttpStatus`): 429, 502, 503 and 504
 *   are `unavailable` and so retried; anything else is not.
 * - **Backoff**: 50 ms doubling to 1 s; each wait is drawn from [50%, 100%] of the step (jitter),
 *   so that trials cut off by one DB manager restart do not come back in lockstep.
 * - **Timeout**: attempts go on until the push's timeout after its first attempt (the report
 *   APIs: `timeout` seconds, default 120 like Katib's `report_metrics`; injected clients:
 *   `KATIB_PUSH_TIMEOUT`, default 60), then the push fails naming the attempts and the last error.
 *
 * Kept free of runtime imports: `katib-ts/report` loads it within its 50 ms import budget.
 */
import type { ErrorCode } from './errors.js';

/** The codes a push client retries (see the module comment). */
export const RETRIED_CODES: readonly ErrorCode[] = ['unavailable', 'deadline_exceeded'];

/** First backoff step (ms). */
export const RETRY_FIRST_DELAY_MS = 50;
/** Largest backoff step (ms); steps double up to it. */
export const RETRY_MAX_DELAY_MS = 1000;

/** Whether a push answered with `code` is sent again (while its timeout lasts). */
export function isRetriedCode(code: string): boolean {
  return (RETRIED_CODES as readonly string[]).includes(code);
}

/**
 * The code of an HTTP answer that carries none (not gRPC, not Connect), as the gRPC spec maps
 * statuses from proxies: 400 internal, 401 unauthenticated, 403 permission_denied,
 * 404 unimplemented, 429/502/503/504 unavailable, anything else unknown.
 */
export function codeOfHttpStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'internal';
    case 401:
      return 'unauthenticated';
    case 403:
      return 'permission_denied';
    case 404:
      return 'unimplemented';
    case 429:
    case 502:
    case 503:
    case 504:
      return 'unavailable';
    default:
      return 'unknown';
  }
}

/** The wait before the next attempt: `step` ms jittered into [50%, 100%] of it. */
export function retryWait(step: number, random: () => number = Math.random): number {
  return step * (0.5 + random() / 2);
}

/** The step after `step`: doubled, at most RETRY_MAX_DELAY_MS. */
export function nextRetryStep(step: number): number {
  return Math.min(step * 2, RETRY_MAX_DELAY_MS);
}
