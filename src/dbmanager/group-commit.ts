import { KatibError } from '../api/errors.js';
import type { MetricLog } from '../api/observation.js';
import type { ObservationStore, TrialLogs } from '../store/observation-store.js';

/**
 * What became of a batch: failures by entry index (undefined when the whole batch committed), and
 * per entry whether it was stored (false: its idempotency key was recorded already).
 */
interface BatchOutcome {
  failures: Map<number, unknown> | undefined;
  stored: readonly boolean[];
}

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
 *
 * Reports with idempotency keys go into batches like any other: the store records the keys in the
 * batch's transaction, so a key seen before, or twice in one batch, is stored once (see
 * ObservationStore). `report` resolves whether the report was stored.
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

  async report(trialName: string, logs: readonly MetricLog[], idempotencyKey?: string): Promise<boolean> {
    if (this.#writing < this.#maxConcurrentWrites) {
      this.#writing++;
      const written = this.#store.report(trialName, logs, idempotencyKey);
      written.then(this.#writeNext, this.#writeNext);
      return written;
    }
    let batch = this.#queue.at(-1);
    if (batch === undefined || batch.points + logs.length > this.#maxBatchPoints) {
      batch = newBatch();
      this.#queue.push(batch);
    }
    const index = batch.entries.push({ trialName, logs, idempotencyKey }) - 1;
    batch.points += logs.length;
    const { failures, stored } = await batch.done;
    if (failures?.has(index)) throw failures.get(index);
    return stored[index] !== false;
  }

  async #commit(batch: Batch): Promise<void> {
    const entries = batch.entries;
    try {
      const stored =
        entries.length === 1
          ? [await this.#store.report(entries[0]!.trialName, entries[0]!.logs, entries[0]!.idempotencyKey)]
          : await this.#store.reportMany(entries);
      batch.settle({ failures: undefined, stored });
      return;
    } catch (err) {
      if (entries.length === 1 || (err instanceof KatibError && err.code === 'unavailable')) {
        batch.settle({ failures: new Map(entries.map((_, i) => [i, err])), stored: [] });
        return;
      }
    }
    const failures = new Map<number, unknown>();
    const stored = new Array<boolean>(entries.length).fill(false);
    for (let i = 0; i < entries.length; i++) {
      const { trialName, logs, idempotencyKey } = entries[i]!;
      try {
        stored[i] = await this.#store.report(trialName, logs, idempotencyKey);
      } catch (err) {
        failures.set(i, err);
      }
    }
    batch.settle({ failures: failures.size === 0 ? undefined : failures, stored });
  }
}

function newBatch(): Batch {
  let settle!: (outcome: BatchOutcome) => void;
  const done = new Promise<BatchOutcome>((resolve) => {
    settle = resolve;
  });
  return { entries: [], points: 0, done, settle };
}
