import type { MetricLog, ObservationQuery } from '../api/observation.js';
import type { EpochMicros } from '../api/time.js';
import type { ExplicitMetrics } from './explicit-metrics.js';

export interface TrialLogs {
  trialName: string;
  logs: readonly MetricLog[];
  /** Names this report so that it is stored once (see ObservationStore); undefined: stored every time. */
  idempotencyKey?: string | undefined;
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
 * - Idempotency keys: a report may carry a key (1-128 characters of [A-Za-z0-9._:-], checked by
 *   the caller) naming that report. The key is recorded (table `idempotency_keys`: key, trial,
 *   time recorded) in the same transaction as the report's rows, so both commit or neither does. A
 *   report whose key is recorded already stores nothing and resolves `false` (a retry of a report
 *   whose acknowledgement was lost); one that stored its rows resolves `true`. This holds for two
 *   reports with one key at once (on every dialect the second waits for the first's transaction
 *   and stores only if it rolled back) and for two with one key in the same `reportMany` (the
 *   first one in `entries` is stored). A key is global, not per trial: a report that reuses
 *   another's key, whatever its trial and rows, is taken for that report and stores nothing. A
 *   report without a key is stored every time (Katib's behaviour). Keys are kept until `delete`
 *   of their trial or `pruneKeys` of their age (a retry of a pruned key is stored again); a
 *   report with no logs records no key and resolves `true` (nothing to store).
 *   A database opened with skipInitialization whose schema has no `idempotency_keys` table (a
 *   Katib database as Katib made it) ignores keys: every report is stored, as in Katib.
 * - `delete` removes every log of the trial and its idempotency keys (one transaction) and
 *   resolves with how many log rows it removed.
 * - Callers validate input (names non-empty, values strings); the store trusts it.
 * - Database faults reject with a KatibError `unavailable` (connection) or `internal`.
 * - `close` waits for in-flight calls and releases connections; the store is unusable after.
 */
export interface ObservationStore {
  /**
   * The trials' explicitly pushed metrics, for the DB manager's once-only rule (absent: the rule is
   * off and every report is stored, as on a Katib schema). `delete` forgets a trial's marks too.
   */
  readonly explicitMetrics?: ExplicitMetrics;
  /** Resolves true when the logs were stored, false when `idempotencyKey` was recorded already. */
  report(trialName: string, logs: readonly MetricLog[], idempotencyKey?: string): Promise<boolean>;
  /**
   * Stores several trials' logs in one transaction, all or nothing (group commit: the DB
   * manager coalesces concurrent reports into one call to save commits and round trips).
   * Resolves with, for each entry, whether it was stored (false: its key was recorded already).
   */
  reportMany(entries: readonly TrialLogs[]): Promise<boolean[]>;
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
  /**
   * Forgets the idempotency keys recorded before `recordedBefore` (their reports stay), resolving
   * with how many went; 0 when the schema has no keys table. Optional: a store without it keeps its
   * keys until their trials are deleted.
   */
  pruneKeys?(recordedBefore: EpochMicros): Promise<number>;
  /** Resolves when the database answers a trivial query; rejects `unavailable` otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
