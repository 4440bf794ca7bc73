import { KatibError } from '../api/errors.js';
import type { MetricLog } from '../api/observation.js';
import type { ObservationStore, TrialLogs } from '../store/observation-store.js';

/** Failures of a committed batch by entry index; undefined when the whole batch committed. */
type BatchOutcome = Map<number, unknown> | undefined;

interface Batch {
  entries: TrialLogs[];
  points: number;
  done: Promise<BatchOutcome>;
  settle: (outcome: BatchOutcome) => void;
}

/**
 * Group commit: up to `maxConcurrentWrites` writes run at once; reports that arrive while all of
 * them are busy queue up and are then stored together with one `reportMany` (one transaction),
 * each caller resolved only after that commit. A report that finds a write slot free is written
 * at once, so an awaited single report pays no delay.
 *
 * More than one slot lets a server database (MySQL, PostgreSQL) work on several transactions over
 * its pool while this process prepares the next; SQLite's writes are synchronous, one slot is all
 * it can use. If a batch fails for a reason other than the database being unreachable, its entries
 * are retried one by one so that one trial's rows cannot fail its neighbours' reports.
 */
export class GroupCommitter {
  readonly #store: ObservationStore;
  readonly #maxConcurrentWrites: number;
  readonly #maxBatchPoints: number;
  readonly #queue: Batch[] = [];
  #writing = 0;
  /** Frees the slot of a finished write, or gives it the next queued batch. */
  readonly #writeNext = (): void => {
    const batch = this.#queue.shift();
    if (batch === undefined) {
      this.#writing--;
      return;
    }
    this.#commit(batch).then(this.#writeNext);
  };

  constructor(
    store: ObservationStore,
    options: { maxConcurrentWrites?: number; maxBatchPoints?: number } = {},
  ) {
    this.#store = store;
    this.#maxConcurrentWrites = options.maxConcurrentWrites ?? 1;
    this.#maxBatchPoints = options.maxBatchPoints ?? 50_000;
  }

  async report(trialName: string, logs: readonly MetricLog[]): Promise<void> {
    if (this.#writing < this.#maxConcurrentWrites) {
      this.#writing++;
      const written = this.#store.report(trialName, logs);
      written.then(this.#writeNext, this.#writeNext);
      return written;
    }
    let batch = this.#queue.at(-1);
    if (batch === undefined || batch.points + logs.length > this.#maxBatchPoints) {
      batch = newBatch();
      this.#queue.push(batch);
    }
    const index = batch.entries.push({ trialName, logs }) - 1;
    batch.points += logs.length;
    const failures = await batch.done;
    if (failures?.has(index)) throw failures.get(index);
  }

  async #commit(batch: Batch): Promise<void> {
    const entries = batch.entries;
    try {
      if (entries.length === 1) await this.#store.report(entries[0]!.trialName, entries[0]!.logs);
      else await this.#store.reportMany(entries);
      batch.settle(undefined);
      return;
    } catch (err) {
      if (entries.length === 1 || (err instanceof KatibError && err.code === 'unavailable')) {
        batch.settle(new Map(entries.map((_, i) => [i, err])));
        return;
      }
    }
    const failures = new Map<number, unknown>();
    for (let i = 0; i < entries.length; i++) {
      try {
        await this.#store.report(entries[i]!.trialName, entries[i]!.logs);
      } catch (err) {
        failures.set(i, err);
      }
    }
    batch.settle(failures.size === 0 ? undefined : failures);
  }
}

function newBatch(): Batch {
  let settle!: (outcome: BatchOutcome) => void;
  const done = new Promise<BatchOutcome>((resolve) => {
    settle = resolve;
  });
  return { entries: [], points: 0, done, settle };
}
