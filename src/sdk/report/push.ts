import { randomUUID } from 'node:crypto';
import { KatibError } from '../../api/errors.js';
import { IDEMPOTENCY_KEY_HEADER } from '../../api/idempotency-key.js';
import { isRetriedCode, nextRetryStep, RETRY_FIRST_DELAY_MS, retryWait } from '../../api/retry-policy.js';
import { PushRejectedError, PushTimeoutError } from './errors.js';
import type { GrpcUnaryClient } from './grpc-unary-client.js';
import type { RetryListener } from './options.js';

export const REPORT_OBSERVATION_LOG_PATH = '/api.v1.beta1.DBManager/ReportObservationLog';

/** The last attempt gets at least this long, enough to connect and be answered on a LAN. */
const MIN_ATTEMPT_MS = 10;

export interface PushTarget {
  address: string;
  timeoutMs: number;
  onRetry?: RetryListener;
}

/**
 * Sends one ReportObservationLog frame; resolves when the server acknowledged it (Katib's
 * DB manager and katib-ts's answer after the commit, so the points are durable).
 *
 * Retries as src/api/retry-policy.ts says (no answer, connection refused or lost, GOAWAY, gRPC
 * UNAVAILABLE or DEADLINE_EXCEEDED), with its jittered backoff, until `timeoutMs` after the
 * first attempt, then rejects PushTimeoutError with the attempt count and the last error. Any
 * other gRPC status (RESOURCE_EXHAUSTED included: the same request would be refused again)
 * rejects PushRejectedError at once.
 *
 * Every attempt carries the same idempotency key (`katib-idempotency-key` metadata, a random
 * UUID unless `idempotencyKey` is given), so a request whose reply was lost (the connection
 * broke, or the DB manager died, after its commit) and is sent again is stored once by
 * katib-ts's DB manager: exactly once as long as the timeout leaves room for a retry. Katib's
 * own DB manager ignores the key, where delivery stays at least once.
 */
export async function pushFrame(
  client: GrpcUnaryClient,
  frame: Buffer,
  target: PushTarget,
  idempotencyKey: string = randomUUID(),
): Promise<void> {
  const metadata = { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey };
  const deadline = performance.now() + target.timeoutMs;
  let attempts = 0;
  let step = RETRY_FIRST_DELAY_MS;
  for (;;) {
    attempts++;
    let error: KatibError;
    try {
      await client.call(REPORT_OBSERVATION_LOG_PATH, frame, deadline - performance.now(), metadata);
      return;
    } catch (err) {
      error = KatibError.from(err, 'unknown');
    }
    if (!isRetriedCode(error.code)) throw new PushRejectedError(target.address, error);
    const wait = Math.min(retryWait(step), deadline - performance.now() - MIN_ATTEMPT_MS);
    if (wait < 0) {
      throw new PushTimeoutError(target.address, target.timeoutMs / 1000, attempts, error);
    }
    try {
      target.onRetry?.(error, attempts, wait);
    } catch {
      // A listener is for logging; its failure must not fail the push.
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
    step = nextRetryStep(step);
  }
}
