import { KatibError } from '../api/errors.js';
import type { MetricLog } from '../api/observation.js';

/**
 * Where collected points go (the controller plugs in the DB manager's write path). Contract: a
 * call stores all of `logs` or none (it is retried whole on failure, so a partial write would
 * duplicate points), and resolves only once they are durable.
 */
export type MetricSink = (logs: MetricLog[]) => Promise<void>;

export interface SinkWriterOptions {
  /** Most points per sink call (default 500); a full batch is written at once. */
  maxBatch?: number;
  /** How long points wait for company before a write starts (default 100 ms). */
  flushIntervalMs?: number;
  /** First retry delay after a failed write (default 100 ms), doubled per failure... */
  retryInitialMs?: number;
  /** ...up to this (default 5 s). Retries go on until finish() and its timeout. */
  retryMaxMs?: number;
  /** Points held while the sink lags or fails (default 100,000); beyond it new points are dropped, counted and reported. */
  maxPending?: number;
  /**
   * Points pending at which `onPressure(true)` asks the source to stop sending (default 10,000,
   * well below maxPending); `onPressure(false)` follows once writes bring them to half of it.
   */
  highWater?: number;
  /** Back-pressure for a source that can pause (the StdOut collector pauses the trial's output). */
  onPressure?: (full: boolean) => void;
  /** How long finish() keeps retrying before it gives up (default 30 s). */
  finishTimeoutMs?: number;
  /** Told about every failed write; the batch stays queued and is retried. */
  onWriteError?: (err: unknown, info: { attempt: number; pending: number }) => void;
  /** Told when points start being dropped because `maxPending` is reached (once per episode). */
  onDrop?: (droppedSoFar: number) => void;
}

export interface SinkWriterStats {
  written: number;
  pending: number;
  dropped: number;
  writeFailures: number;
  lastWriteError?: string;
}

/**
 * Batches points to a MetricSink: in order, one write in flight at a time (so the store keeps the
 * order in which the trial printed), a batch per `maxBatch` points or per `flushIntervalMs`, and
 * failed writes retried with exponential back-off. Nothing is dropped silently: failures go to
 * `onWriteError` and the counters, overflow to `onDrop`, and finish() rejects naming how many
 * points it could not write (they stay available through `unsent()`).
 */
export class SinkWriter {
  private queue: MetricLog[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private pumping: Promise<void> | undefined;
  private finishing = false;
  private deadline = Number.POSITIVE_INFINITY;
  private dropping = false;
  private pressing = false;
  private readonly s: SinkWriterStats = { written: 0, pending: 0, dropped: 0, writeFailures: 0 };
  private readonly maxBatch: number;
  private readonly flushIntervalMs: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly maxPending: number;
  private readonly highWater: number;
  private readonly finishTimeoutMs: number;

  constructor(
    private readonly sink: MetricSink,
    private readonly options: SinkWriterOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 500);
    this.flushIntervalMs = options.flushIntervalMs ?? 100;
    this.retryInitialMs = options.retryInitialMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 5000;
    this.maxPending = options.maxPending ?? 100_000;
    this.highWater = Math.max(1, options.highWater ?? 10_000);
    this.finishTimeoutMs = options.finishTimeoutMs ?? 30_000;
  }

  /** Queues points for writing. Throws FAILED_PRECONDITION after finish() was called. */
  add(logs: readonly MetricLog[]): void {
    if (this.finishing)
      throw new KatibError('failed_precondition', 'metric points added after the collector finished');
    if (logs.length === 0) return;
    const room = Math.max(0, this.maxPending - this.size());
    for (let i = 0; i < logs.length && i < room; i++) this.queue.push(logs[i]!);
    if (logs.length > room) {
      this.s.dropped += logs.length - room;
      if (!this.dropping) {
        this.dropping = true;
        this.options.onDrop?.(this.s.dropped);
      }
    }
    if (!this.pressing && this.size() >= this.highWater && this.options.onPressure) {
      this.pressing = true;
      this.options.onPressure(true);
    }
    if (this.pumping) return;
    if (this.size() >= this.maxBatch) this.startPump();
    else this.timer ??= setTimeout(() => this.startPump(), this.flushIntervalMs);
  }

  /**
   * Writes everything queued, retrying until `finishTimeoutMs`. Rejects with UNAVAILABLE naming
   * the count of points left unwritten (see `unsent()`); resolves when all were written.
   */
  async finish(): Promise<void> {
    if (!this.finishing) {
      this.finishing = true;
      this.deadline = Date.now() + this.finishTimeoutMs;
    }
    while (this.size() > 0) {
      if (!this.pumping) this.startPump();
      await this.pumping;
      if (this.size() > 0 && Date.now() >= this.deadline) break;
    }
    const left = this.size();
    if (left > 0) {
      throw new KatibError(
        'unavailable',
        `${left} metric points could not be written after ${this.s.writeFailures} failed attempts: ${this.s.lastWriteError ?? 'unknown error'}`,
      );
    }
  }

  /** The points not written yet, oldest first. */
  unsent(): MetricLog[] {
    return this.queue.slice(this.head);
  }

  stats(): SinkWriterStats {
    return { ...this.s, pending: this.size() };
  }

  private size(): number {
    return this.queue.length - this.head;
  }

  private startPump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pumping || this.size() === 0) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      // Points that arrived during the last write, when nobody is waiting in finish().
      if (!this.finishing && this.size() > 0)
        this.timer ??= setTimeout(() => this.startPump(), this.flushIntervalMs);
    });
  }

  private async pump(): Promise<void> {
    let delay = this.retryInitialMs;
    let attempt = 0;
    while (this.size() > 0) {
      const batch = this.queue.slice(this.head, this.head + this.maxBatch);
      try {
        await this.sink(batch);
      } catch (err) {
        attempt++;
        this.s.writeFailures++;
        this.s.lastWriteError = err instanceof Error ? err.message : String(err);
        this.options.onWriteError?.(err, { attempt, pending: this.size() });
        const wait = Math.min(delay, this.deadline - Date.now());
        if (wait <= 0) return;
        await new Promise((resolve) => setTimeout(resolve, wait));
        delay = Math.min(delay * 2, this.retryMaxMs);
        continue;
      }
      attempt = 0;
      delay = this.retryInitialMs;
      this.head += batch.length;
      this.s.written += batch.length;
      this.dropping = false;
      if (this.pressing && this.size() <= this.highWater / 2) {
        this.pressing = false;
        this.options.onPressure?.(false);
      }
      if (this.head > 4096 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
    }
  }
}
