import { create } from '@bufbuild/protobuf';
import { KatibError } from '../api/errors.js';
import { readIdempotencyKey } from '../api/idempotency-key.js';
import type { MetricLog } from '../api/observation.js';
import { type PushOrigin, readPushOrigin } from '../api/push-origin.js';
import { type EpochMicros, formatRfc3339, nowMicros } from '../api/time.js';
import {
  type DeleteObservationLogRequest,
  type GetObservationLogReply,
  GetObservationLogReplySchema,
  type GetObservationLogRequest,
  type MetricLog as WireMetricLog,
} from '../gen/api/v1/beta1/api_pb.js';
import type { ObservationStore } from '../store/observation-store.js';
import { GroupCommitter } from './group-commit.js';
import { DEFAULT_LIMITS, type RequestLimits } from './limits.js';
import { OnceOnly } from './once-only.js';
import { decodeReport } from './report-decoder.js';
import {
  type ReportRequestShape,
  validateDelete,
  validateGet,
  validateLogs,
  validateReport,
} from './validate.js';

/** Called after logs were committed, whoever wrote them; must not throw (errors are ignored). */
export type ReportListener = (trialName: string, logs: readonly MetricLog[]) => void;

export interface DbManagerServiceOptions {
  store: ObservationStore;
  /** Coalesce concurrent reports into one transaction (see GroupCommitter). Default false. */
  groupCommit?: boolean;
  /** With groupCommit: how many writes may run at once (1 suits SQLite, a few suit a server pool). */
  maxConcurrentWrites?: number;
  /** Called with every store fault before it is answered UNAVAILABLE (for logging). */
  onStoreFault?: (err: unknown, operation: string) => void;
  /** The clock for reports with an empty time stamp. */
  now?: () => EpochMicros;
  /** Name length and metric logs per request; default DEFAULT_LIMITS (already checked: see resolveLimits). */
  limits?: RequestLimits;
}

// Codes a store may raise that describe the request, not the database: kept as they are.
const REQUEST_CODES = new Set(['invalid_argument', 'resource_exhausted', 'deadline_exceeded', 'cancelled']);

/**
 * The DBManager service without a transport: takes and returns the generated protobuf-es
 * messages, so the gRPC and the Connect servers share one implementation.
 *
 * Every method validates the whole request first and throws a KatibError naming the field on
 * bad input, before touching the store: a rejected request stores nothing. Store faults are
 * answered `unavailable` (the client may retry). Deleting an unknown trial succeeds.
 *
 * Reports may carry an idempotency key (the transports pass the `katib-idempotency-key` header's
 * value, checked here with the request: a bad one is `invalid_argument` naming the header): a
 * report whose key was stored before answers OK and stores nothing, and its listeners are not
 * called again (see ObservationStore for the key semantics). Without a key, as from Katib's own
 * clients, every report is stored.
 */
export class DbManagerService {
  readonly #store: ObservationStore;
  readonly #committer: GroupCommitter | undefined;
  readonly #now: () => EpochMicros;
  readonly #onStoreFault: (err: unknown, operation: string) => void;
  readonly #listeners = new Set<ReportListener>();
  readonly #limits: RequestLimits;
  /** The once-only rule of explicit and automatic pushes (once-only.ts), when the store keeps marks. */
  readonly #onceOnly: OnceOnly | undefined;

  constructor(options: DbManagerServiceOptions) {
    this.#store = options.store;
    this.#onceOnly = options.store.explicitMetrics ? new OnceOnly(options.store.explicitMetrics) : undefined;
    this.#committer = options.groupCommit
      ? new GroupCommitter(options.store, { maxConcurrentWrites: options.maxConcurrentWrites ?? 1 })
      : undefined;
    this.#now = options.now ?? nowMicros;
    this.#onStoreFault = options.onStoreFault ?? (() => {});
    const limits = options.limits ?? DEFAULT_LIMITS;
    this.#limits = {
      maxNameLength: limits.maxNameLength,
      maxMetricLogsPerRequest: limits.maxMetricLogsPerRequest,
    };
  }

  /** The limits the requests are checked against. */
  get limits(): Readonly<RequestLimits> {
    return this.#limits;
  }

  /**
   * `idempotencyKey`: the header's value as received (undefined: none), checked here; `origin`
   * likewise the `katib-push-origin` header's (absent: explicit).
   */
  async reportObservationLog(
    req: ReportRequestShape,
    idempotencyKey?: string | readonly string[] | null,
    origin?: string | readonly string[] | null,
  ): Promise<void> {
    const key = readIdempotencyKey(idempotencyKey);
    const from = readPushOrigin(origin);
    const { trialName, logs } = validateReport(req, this.#now, this.#limits);
    await this.#write(trialName, logs, 'ReportObservationLog', key, from);
  }

  /**
   * ReportObservationLog from its wire bytes (the gRPC port's hot path): decoded and checked in
   * one pass by decodeReport, with the same rules and errors as reportObservationLog.
   * `authorize`, if given, is called with the trial name before anything is written, and refuses
   * the request by throwing (the auth check, which needs the trial name out of the message).
   */
  async reportObservationLogBytes(
    bytes: Uint8Array,
    idempotencyKey?: string | readonly string[] | null,
    authorize?: (trialName: string) => void,
    origin?: string | readonly string[] | null,
  ): Promise<void> {
    const key = readIdempotencyKey(idempotencyKey);
    const from = readPushOrigin(origin);
    const { trialName, logs } = decodeReport(bytes, this.#now, this.#limits);
    authorize?.(trialName);
    await this.#write(trialName, logs, 'ReportObservationLog', key, from);
  }

  /**
   * The in-process write path (pull collectors, the controller): the same checks, the same group
   * commit and the same listeners as ReportObservationLog, without a wire round trip. Its points
   * are katib-ts's own captures of the trial's output: automatic unless `origin` says otherwise.
   */
  async reportLogs(
    trialName: string,
    logs: readonly MetricLog[],
    origin: PushOrigin = 'automatic',
  ): Promise<void> {
    validateLogs(trialName, logs, this.#limits.maxNameLength);
    await this.#write(trialName, logs, 'reportLogs', undefined, origin);
  }

  /**
   * Calls `listener` after every committed report (early stopping watches running trials'
   * metrics this way, whatever their collector kind; the dashboard streams them). Returns the
   * function that removes it.
   */
  onReported(listener: ReportListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #write(
    trialName: string,
    logs: readonly MetricLog[],
    operation: string,
    idempotencyKey: string | undefined,
    origin: PushOrigin,
  ): Promise<void> {
    if (logs.length === 0) return;
    let stored: boolean;
    let storedLogs = logs;
    const write = (kept: readonly MetricLog[]): Promise<boolean> =>
      this.#committer
        ? this.#committer.report(trialName, kept, idempotencyKey)
        : this.#store.report(trialName, kept, idempotencyKey);
    try {
      if (this.#onceOnly) {
        ({ stored, logs: storedLogs } = await this.#onceOnly.report(
          trialName,
          logs,
          origin,
          idempotencyKey,
          write,
        ));
      } else stored = await write(logs);
    } catch (err) {
      throw this.#storeFault(err, operation);
    }
    // A repeat of a stored report (its listeners heard of these logs already), or all dropped.
    if (!stored) return;
    for (const listener of this.#listeners) {
      try {
        listener(trialName, storedLogs);
      } catch {
        // A listener's fault must not fail a write that is already committed.
      }
    }
  }

  async getObservationLog(req: GetObservationLogRequest): Promise<GetObservationLogReply> {
    const { trialName, query } = validateGet(req, this.#limits.maxNameLength);
    let logs: MetricLog[];
    try {
      logs = await this.#store.get(trialName, query);
    } catch (err) {
      throw this.#storeFault(err, 'GetObservationLog');
    }
    return create(GetObservationLogReplySchema, { observationLog: { metricLogs: logs.map(toWire) } });
  }

  async deleteObservationLog(req: DeleteObservationLogRequest): Promise<void> {
    const trialName = validateDelete(req, this.#limits.maxNameLength);
    try {
      await this.#store.delete(trialName);
    } catch (err) {
      throw this.#storeFault(err, 'DeleteObservationLog');
    }
  }

  #storeFault(err: unknown, operation: string): KatibError {
    this.#onStoreFault(err, operation);
    if (err instanceof KatibError && REQUEST_CODES.has(err.code)) return err;
    const reason = err instanceof Error ? err.message : String(err);
    return new KatibError('unavailable', `observation store: ${reason}`, { cause: err });
  }
}

function toWire(
  log: MetricLog,
): Pick<WireMetricLog, 'timeStamp'> & { metric: { name: string; value: string } } {
  return { timeStamp: formatRfc3339(log.time), metric: { name: log.name, value: log.value } };
}
