import { nowMicros } from '../api/time.js';
import type { ObservationStore } from '../store/observation-store.js';

/** Longest wait between two prunes: a busy server's table never holds much more than retention. */
const MAX_INTERVAL_MS = 10 * 60 * 1000;

export interface KeyPrunerOptions {
  store: ObservationStore;
  /** Keys recorded longer ago than this are forgotten. */
  retentionSeconds: number;
  /** A prune that removed keys (not called for none). */
  onPruned: (count: number) => void;
  /** A prune that failed; the next one tries again. */
  onFault: (err: unknown) => void;
}

/**
 * Keeps the idempotency keys table to about one retention's worth of pushes: every push from
 * katib-ts's clients records a key, and without pruning the table would grow with every push for
 * as long as its trial is kept. A key is only needed while its push may still be retried (the SDK
 * gives up after its timeout, 120 s by default), so the retention (a day by default) leaves a
 * wide margin; a retry that arrives after its key was pruned is stored again.
 *
 * Prunes once at start, then every quarter of the retention (at least 1 s, at most 10 min), one
 * prune at a time. Does nothing for a store without `pruneKeys`. The timer does not keep the
 * process alive; `stop` waits for a prune in flight.
 */
export class KeyPruner {
  readonly #o: KeyPrunerOptions;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: KeyPrunerOptions) {
    this.#o = options;
    this.#intervalMs = Math.min(Math.max((options.retentionSeconds * 1000) / 4, 1000), MAX_INTERVAL_MS);
  }

  start(): void {
    if (this.#o.store.pruneKeys === undefined) return;
    this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #run(): void {
    if (this.#stopped) return;
    this.#running = this.#pruneOnce().finally(() => {
      this.#running = undefined;
      if (this.#stopped) return;
      this.#timer = setTimeout(() => this.#run(), this.#intervalMs);
      this.#timer.unref();
    });
  }

  /** One prune; never rejects (a store that throws, even synchronously, is a fault to log). */
  async #pruneOnce(): Promise<void> {
    try {
      const before = nowMicros() - this.#o.retentionSeconds * 1_000_000;
      const count = (await this.#o.store.pruneKeys?.(before)) ?? 0;
      if (count > 0) this.#o.onPruned(count);
    } catch (err) {
      this.#o.onFault(err);
    }
  }
}
