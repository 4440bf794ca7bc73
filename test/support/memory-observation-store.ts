import { KatibError } from '../../src/api/errors.js';
import type { MetricLog, ObservationQuery } from '../../src/api/observation.js';
import type { ObservationStore, TrialLogs } from '../../src/store/observation-store.js';

/**
 * An in-memory ObservationStore double (a seam double, for unit tests of code above the store).
 * `down = true` makes every call reject `unavailable`, as a store whose database went away.
 */
export class MemoryObservationStore implements ObservationStore {
  readonly rows = new Map<string, MetricLog[]>();
  down = false;
  /** Counts store calls, to see how reports were grouped. */
  calls = { report: 0, reportMany: 0 };

  async report(trialName: string, logs: readonly MetricLog[]): Promise<void> {
    this.calls.report++;
    this.#check();
    this.#append(trialName, logs);
  }

  async reportMany(entries: readonly TrialLogs[]): Promise<void> {
    this.calls.reportMany++;
    this.#check();
    for (const { trialName, logs } of entries) this.#append(trialName, logs);
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
    return n;
  }

  async ping(): Promise<void> {
    this.#check();
  }

  async close(): Promise<void> {}

  #check(): void {
    if (this.down) throw new KatibError('unavailable', 'memory store is down');
  }

  #append(trialName: string, logs: readonly MetricLog[]): void {
    const list = this.rows.get(trialName) ?? [];
    for (const log of logs) list.push({ ...log });
    this.rows.set(trialName, list);
  }
}
