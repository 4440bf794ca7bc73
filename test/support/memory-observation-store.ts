import { KatibError } from '../../src/api/errors.js';
import type { MetricLog, ObservationQuery } from '../../src/api/observation.js';
import type { ObservationStore, TrialLogs } from '../../src/store/observation-store.js';

/**
 * An in-memory ObservationStore double (a seam double, for unit tests of code above the store).
 * `down = true` makes every call reject `unavailable`, as a store whose database went away.
 */
export class MemoryObservationStore implements ObservationStore {
  readonly rows = new Map<string, MetricLog[]>();
  /** Idempotency keys recorded, with their trial (see ObservationStore). */
  readonly keys = new Map<string, string>();
  down = false;
  /** Counts store calls, to see how reports were grouped. */
  calls = { report: 0, reportMany: 0 };

  async report(trialName: string, logs: readonly MetricLog[], idempotencyKey?: string): Promise<boolean> {
    this.calls.report++;
    this.#check();
    return this.#append(trialName, logs, idempotencyKey);
  }

  async reportMany(entries: readonly TrialLogs[]): Promise<boolean[]> {
    this.calls.reportMany++;
    this.#check();
    return entries.map(({ trialName, logs, idempotencyKey }) =>
      this.#append(trialName, logs, idempotencyKey),
    );
  }

  async get(trialName: string, query: ObservationQuery = {}): Promise<MetricLog[]> {
    this.#check();
    return (this.rows.get(trialName) ?? [])
      .filter(
        (log) =>
          (query.metricName === undefined || log.name === query.metricName) &&
          (query.startTime === undefined || log.time >= query.startTime) &&
          (query.endTime === undefined || log.time <= query.endTime),
      )
      .sort((a, b) => a.time - b.time);
  }

  async delete(trialName: string): Promise<number> {
    this.#check();
    const n = this.rows.get(trialName)?.length ?? 0;
    this.rows.delete(trialName);
    for (const [key, trial] of this.keys) if (trial === trialName) this.keys.delete(key);
    return n;
  }

  async ping(): Promise<void> {
    this.#check();
  }

  async close(): Promise<void> {}

  #check(): void {
    if (this.down) throw new KatibError('unavailable', 'memory store is down');
  }

  #append(trialName: string, logs: readonly MetricLog[], idempotencyKey: string | undefined): boolean {
    if (logs.length === 0) return true;
    if (idempotencyKey !== undefined) {
      if (this.keys.has(idempotencyKey)) return false;
      this.keys.set(idempotencyKey, trialName);
    }
    const list = this.rows.get(trialName) ?? [];
    for (const log of logs) list.push({ ...log });
    this.rows.set(trialName, list);
    return true;
  }
}
