import { formatRfc3339, nowMicros } from '../../api/time.js';
import { encodeMetricLogs, encodeReportFrame } from './encode.js';
import { GrpcUnaryClient } from './grpc-unary-client.js';
import { type Metrics, metricEntries } from './metric-values.js';
import { clientOptions, type ReportOptions, type ResolvedTarget, resolveTarget } from './options.js';
import { pushFrame } from './push.js';

/**
 * The one deliberate piece of module state: one gRPC client (one HTTP/2 connection) per DB
 * manager address, shared by every `reportMetrics` call of the process. A trial calls it in
 * its training loop; a new connection per call would cost a TCP and HTTP/2 handshake each
 * time and leave sockets in TIME_WAIT. Idle connections do not keep the process alive.
 */
const clients = new Map<string, GrpcUnaryClient>();

function clientFor(target: ResolvedTarget): GrpcUnaryClient {
  const key = `${target.authority} ${target.token ?? ''} ${target.caFile ?? ''}`;
  let client = clients.get(key);
  if (client === undefined) {
    client = new GrpcUnaryClient(target.authority, clientOptions(target));
    clients.set(key, client);
  }
  return client;
}

/**
 * Pushes one set of metrics of the current trial to the DB manager as one
 * ReportObservationLog call (Katib's `report_metrics`), every metric with the same time stamp
 * (now, to the microsecond).
 *
 * - Trial: `options.trialName`, else env `KATIB_TRIAL_NAME`, else MissingTrialNameError.
 * - Address: `options.dbManagerAddress`, else env `KATIB_DB_MANAGER_ADDRESS`, else
 *   `katib-db-manager.kubeflow:6789`. Cleartext gRPC, no metadata: Katib's DB manager works too.
 *   TLS with an `https://` address or KATIB_DB_MANAGER_TLS=true (CA: `options.caFile`, else
 *   KATIB_DB_MANAGER_CA); a bearer token with `options.token`, else KATIB_TRIAL_TOKEN
 *   (docs/security.md).
 * - Idempotent: the call makes one random idempotency key and sends it (metadata
 *   `katib-idempotency-key`) with every attempt, so katib-ts's DB manager stores a retried call
 *   once even when an earlier attempt was committed and only its reply was lost.
 * - Values: numbers (not NaN) or number strings as src/api/metric-value.ts defines them, else
 *   InvalidMetricError naming the metric (see metricEntries). `{}` sends nothing.
 * - Resolves once the server acknowledged the write, i.e. after its commit: durable.
 * - Retries as src/api/retry-policy.ts says (unreachable, UNAVAILABLE, DEADLINE_EXCEEDED), with
 *   jittered backoff, until `options.timeout` seconds (default 120) have passed, then rejects
 *   PushTimeoutError (attempts, last error). Any other server error (RESOURCE_EXHAUSTED
 *   included) rejects PushRejectedError with its code, without retrying.
 *
 * Each call waits for its own round trip; a loop reporting thousands of points per second
 * should use createMetricsReporter instead.
 */
export async function reportMetrics(metrics: Metrics, options?: ReportOptions): Promise<void> {
  const target = resolveTarget(options);
  const entries = metricEntries(metrics);
  if (entries.length === 0) return;
  const frame = encodeReportFrame(target.trialName, encodeMetricLogs(formatRfc3339(nowMicros()), entries));
  await pushFrame(clientFor(target), frame, target);
}

/** Closes the connections reportMetrics keeps (tests and embedders; a trial never needs it). */
export async function closeReportConnections(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map((client) => client.close()));
}
