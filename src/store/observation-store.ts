import type { MetricLog, ObservationQuery } from '../api/observation.js';

export interface TrialLogs {
  trialName: string;
  logs: readonly MetricLog[];
}

/**
 * Where observation logs live: Katib's `observation_logs` table on SQLite, MySQL/MariaDB or
 * PostgreSQL, one implementation over all three.
 *
 * Contract, the same on every dialect (the conformance suite checks it):
 * - `report` stores all of `logs` or nothing (one transaction); when its promise resolves the
 *   rows are durable (committed) and visible to every later `get`.
 * - `get` returns the trial's logs ordered by time, ties in insertion order; a trial with no
 *   logs returns []. Times round-trip to the microsecond (UTC).
 * - `delete` removes every log of the trial and resolves with how many rows it removed.
 * - Callers validate input (names non-empty, values strings); the store trusts it.
 * - Database faults reject with a KatibError `unavailable` (connection) or `internal`.
 * - `close` waits for in-flight calls and releases connections; the store is unusable after.
 */
export interface ObservationStore {
  report(trialName: string, logs: readonly MetricLog[]): Promise<void>;
  /**
   * Stores several trials' logs in one transaction, all or nothing (group commit: the DB
   * manager coalesces concurrent reports into one call to save commits and round trips).
   */
  reportMany(entries: readonly TrialLogs[]): Promise<void>;
  get(trialName: string, query?: ObservationQuery): Promise<MetricLog[]>;
  /**
   * The logs `get` would return, handed to `visit` a page of at most `pageSize` at a time, in the
   * same order, so that a trial with millions of points can be read in bounded memory. Pages are
   * separate reads: rows added meanwhile may or may not be seen. Optional: callers fall back to get.
   */
  scan?(
    trialName: string,
    query: ObservationQuery,
    pageSize: number,
    visit: (logs: MetricLog[]) => void,
  ): Promise<void>;
  delete(trialName: string): Promise<number>;
  /** Resolves when the database answers a trivial query; rejects `unavailable` otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
