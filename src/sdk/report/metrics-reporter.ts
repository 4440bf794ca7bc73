import { encodeMetricLogs, encodeReportFrame } from './encode.js';
import { InvalidMetricError, ReportMetricsError } from './errors.js';
import { guardExit } from './exit-guard.js';
import { GrpcUnaryClient } from './grpc-unary-client.js';
import { type Metrics, metricEntries } from './metric-values.js';
import { clientOptions, type ReportOptions, type ResolvedTarget, resolveTarget } from './options.js';
import { pushFrame } from './push.js';
import { TimeStamps } from './time-stamps.js';

export interface MetricsReporterOptions extends ReportOptions {
  /** Most points (metric values) in one request. Default 2,000 (~120 KB). */
  maxBatchPoints?: number;
  /** Milliseconds a point may wait for others to share its request. Default 20. */
  lingerMs?: number;
  /** `report()` returns false once this many points are queued. Default 10,000. */
  highWaterMark?: number;
  /** `report()` throws (`resource_exhausted`) instead of queueing past this. Default 1,000,000. */
  maxQueuedPoints?: number;
}

/**
 * The non-blocking way to report: for training loops that report often.
 *
 * Contract:
 * - `report(metrics)` validates synchronously (throws InvalidMetricError, nothing queued),
 *   stamps the points with the current time, queues them and returns at once. It returns
 *   false when `highWaterMark` points are queued: the point was accepted, but the caller
 *   should `await drain()` before reporting more. Past `maxQueuedPoints` it throws
 *   `resource_exhausted` and accepts nothing (a loop that never yields cannot be drained).
 * - Points go out in the background, in report order, one request at a time of up to
 *   `maxBatchPoints`, at the latest `lingerMs` after being queued. Each request is retried
 *   like reportMetrics's, its `timeout` counted from its first attempt, with its own idempotency
 *   key sent on every attempt (stored once, see reportMetrics).
 * - A failure is never swallowed: a request that fails (PushTimeoutError after the timeout,
 *   PushRejectedError) is thrown by the next `report()` or rejected by the next `flush()`,
 *   `drain()` or `close()`, exactly once, with `lostPoints` telling how many accepted points
 *   were not stored. The reporter keeps working afterwards.
 * - `flush()` resolves when every point accepted before it is stored (durable), or rejects.
 * - `close()` flushes, then closes the connection; `report()` after it throws.
 * - At process exit: queued points keep the process alive until they are sent (or their
 *   timeout passes); a failure nobody observed is printed to stderr and sets exit code 1, as
 *   are points still queued when `process.exit()` cuts the process short.
 */
export interface MetricsReporter {
  report(metrics: Metrics): boolean;
  drain(): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Points accepted and not yet acknowledged (queued or in flight). */
  readonly pendingPoints: number;
}

interface Chunk {
  bytes: Buffer;
  points: number;
}

interface Waiter {
  /** Resolves when this many points have been settled (acknowledged or failed). */
  settled: number;
  queuedBelow: number;
  resolve: () => void;
  reject: (err: ReportMetricsError) => void;
}

export function createMetricsReporter(options: MetricsReporterOptions = {}): MetricsReporter {
  return new BatchingReporter(options);
}

class BatchingReporter implements MetricsReporter {
  readonly #target: ResolvedTarget;
  readonly #client: GrpcUnaryClient;
  readonly #maxBatch: number;
  readonly #linger: number;
  readonly #highWater: number;
  readonly #maxQueued: number;
  readonly #clock = new TimeStamps();
  readonly #queue: Chunk[] = [];
  #head = 0;
  #queued = 0;
  #accepted = 0;
  #settled = 0;
  #sending = false;
  #timer: NodeJS.Timeout | undefined;
  #urgent = false;
  #immediate = false;
  #failure: ReportMetricsError | undefined;
  #lost = 0;
  #closed = false;
  #waiters: Waiter[] = [];
  readonly #unguard: () => void;

  constructor(options: MetricsReporterOptions) {
    this.#target = resolveTarget(options);
    this.#maxBatch = positiveInt(options, 'maxBatchPoints', 2_000);
    this.#linger = positiveInt(options, 'lingerMs', 20, 0);
    this.#highWater = positiveInt(options, 'highWaterMark', 10_000);
    this.#maxQueued = positiveInt(options, 'maxQueuedPoints', 1_000_000);
    this.#client = new GrpcUnaryClient(this.#target.authority, clientOptions(this.#target));
    this.#unguard = guardExit({
      pendingPoints: () => this.pendingPoints,
      takeFailure: () => this.#takeFailure(),
      flush: () => this.flush(),
    });
  }

  get pendingPoints(): number {
    return this.#accepted - this.#settled;
  }

  report(metrics: Metrics): boolean {
    if (this.#closed) throw new ReportMetricsError('failed_precondition', 'report() after close()');
    const failure = this.#takeFailure();
    if (failure) throw failure;
    const entries = metricEntries(metrics);
    if (entries.length === 0) return this.#queued < this.#highWater;
    if (this.#queued + entries.length > this.#maxQueued) {
      throw new ReportMetricsError(
        'resource_exhausted',
        `${this.#queued} metric points are queued, the most allowed (maxQueuedPoints); await reporter.drain() when report() returns false`,
      );
    }
    this.#queue.push({
      bytes: encodeMetricLogs(this.#clock.now(), entries),
      points: entries.length,
    });
    this.#queued += entries.length;
    this.#accepted += entries.length;
    if (this.#queued >= this.#maxBatch) this.#schedule(true);
    else this.#schedule(false);
    return this.#queued < this.#highWater;
  }

  drain(): Promise<void> {
    return this.#wait({ settled: 0, queuedBelow: this.#highWater });
  }

  flush(): Promise<void> {
    this.#urgent = true;
    this.#schedule(true);
    return this.#wait({ settled: this.#accepted, queuedBelow: Number.POSITIVE_INFINITY });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.flush();
    } finally {
      this.#closed = true;
      this.#unguard();
      await this.#client.close();
    }
  }

  #wait(goal: Omit<Waiter, 'resolve' | 'reject'>): Promise<void> {
    const failure = this.#takeFailure();
    if (failure) return Promise.reject(failure);
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ ...goal, resolve, reject });
      this.#wake();
    });
  }

  #wake(): void {
    this.#waiters = this.#waiters.filter((w) => {
      const done = this.#settled >= w.settled && this.#queued < w.queuedBelow;
      if (done) w.resolve();
      return !done;
    });
  }

  /** The pending failure, handed out once, with how many points it cost. */
  #takeFailure(): ReportMetricsError | undefined {
    const failure = this.#failure;
    if (!failure) return undefined;
    this.#failure = undefined;
    const lost = this.#lost;
    this.#lost = 0;
    failure.lostPoints = lost;
    failure.message = `${lost} metric point${lost === 1 ? ' was' : 's were'} not stored: ${failure.message}`;
    return failure;
  }

  /** Sends soon: on the next turn when `now`, else after the linger time. */
  #schedule(now: boolean): void {
    if (this.#sending || this.#queued === 0 || this.#immediate) return;
    if (now) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#immediate = true;
      setImmediate(() => {
        this.#immediate = false;
        this.#send();
      });
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#send(), this.#linger);
    }
  }

  #send(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#sending || this.#queued === 0) return;
    const parts: Buffer[] = [];
    let points = 0;
    while (
      this.#head < this.#queue.length &&
      (points === 0 || points + (this.#queue[this.#head] as Chunk).points <= this.#maxBatch)
    ) {
      const chunk = this.#queue[this.#head++] as Chunk;
      parts.push(chunk.bytes);
      points += chunk.points;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    this.#queued -= points;
    this.#sending = true;
    this.#wake(); // drain() waiters: the queue just shrank
    pushFrame(this.#client, encodeReportFrame(this.#target.trialName, parts), this.#target).then(
      () => this.#sent(points, undefined),
      (err: unknown) => this.#sent(points, err),
    );
  }

  #sent(points: number, err: unknown): void {
    this.#sending = false;
    this.#settled += points;
    if (this.#settled >= this.#accepted) this.#urgent = false;
    if (err !== undefined) {
      // Keep the first failure; later ones add their points to its count.
      this.#failure ??=
        err instanceof ReportMetricsError
          ? err
          : new ReportMetricsError('unknown', String(err), { cause: err });
      this.#lost += points;
      // Everyone waiting now observes it; with nobody waiting it waits for the next call.
      const waiters = this.#waiters;
      this.#waiters = [];
      if (waiters.length > 0) {
        const failure = this.#takeFailure() as ReportMetricsError;
        for (const w of waiters) w.reject(failure);
      }
    }
    this.#wake();
    this.#schedule(this.#urgent || this.#queued >= this.#maxBatch);
  }
}

function positiveInt(
  options: MetricsReporterOptions,
  key: keyof MetricsReporterOptions,
  fallback: number,
  min = 1,
): number {
  const value = options[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidMetricError(`options.${key}`, value, `must be an integer >= ${min}`);
  }
  return value;
}
