import { type Kysely, sql } from 'kysely';
import { KatibError } from '../api/errors.js';
import type { MetricLog, ObservationQuery } from '../api/observation.js';
import type { EpochMicros } from '../api/time.js';
import { storeError } from './db-errors.js';
import type { Dialect } from './db-url.js';
import { type ExplicitMetrics, SqlExplicitMetrics } from './explicit-metrics.js';
import type { ObservationStore, TrialLogs } from './observation-store.js';
import { retryDropped, transactionRetryingDropped } from './retry.js';
import type { KatibTables, SqlTime } from './schema.js';
import type { TimeCodec } from './sql-time.js';

/**
 * Stores several trials' logs in one transaction, all or nothing, recording their idempotency keys
 * in it; resolves with, per entry, whether it was stored (false: its key was recorded already, or
 * by an earlier entry). Rejects with the driver's error.
 */
export type LogWriter = (entries: readonly TrialLogs[]) => Promise<boolean[]>;

export interface SqlObservationStoreOptions {
  kysely: Kysely<KatibTables>;
  dialect: Dialect;
  time: TimeCodec;
  /** The write path: a cached prepared statement on SQLite, chunked multi-row INSERTs elsewhere. */
  write: LogWriter;
  /**
   * False when the schema has no idempotency_keys table (a Katib database opened with
   * skipInitialization): keys are then ignored and every report is stored. Default true.
   */
  idempotencyKeys?: boolean;
  /** False when the schema has no explicit_metrics table: the once-only rule is off. Default true. */
  explicitMetrics?: boolean;
}

/**
 * The ObservationStore over Katib's `observation_logs` table, the same code for SQLite, MySQL and
 * PostgreSQL (see ObservationStore for the contract). Every call that fails on a pooled connection
 * the server had dropped is repeated on another (writes and deletes only when they cannot have
 * committed), so a database restart costs callers nothing once the server answers again. The store does not own the Kysely: `close` waits for this store's calls and
 * refuses new ones; the Database that opened it releases the connections.
 */
export class SqlObservationStore implements ObservationStore {
  readonly #kysely: Kysely<KatibTables>;
  readonly #dialect: Dialect;
  readonly #time: TimeCodec;
  readonly #write: LogWriter;
  readonly #keys: boolean;
  /** Absent when the schema has no explicit_metrics table (see ObservationStore). */
  readonly explicitMetrics?: ExplicitMetrics;
  #inFlight = 0;
  /** Set by the first `close`; every later call gets the same promise. */
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  constructor(options: SqlObservationStoreOptions) {
    this.#kysely = options.kysely;
    this.#dialect = options.dialect;
    this.#time = options.time;
    this.#write = options.write;
    this.#keys = options.idempotencyKeys ?? true;
    if (options.explicitMetrics ?? true)
      this.explicitMetrics = new SqlExplicitMetrics(options.kysely, options.dialect, options.time);
  }

  report(trialName: string, logs: readonly MetricLog[], idempotencyKey?: string): Promise<boolean> {
    if (logs.length === 0) return this.#track('report', async () => true);
    const key = this.#keys ? idempotencyKey : undefined;
    return this.#track('report', async () => {
      const [stored] = await this.#write([{ trialName, logs, idempotencyKey: key }]);
      return stored === true;
    });
  }

  reportMany(entries: readonly TrialLogs[]): Promise<boolean[]> {
    return this.#track('report', async () => {
      // Entries without logs store nothing and record no key (as `report` of no logs).
      let writing = entries.every((e) => e.logs.length > 0)
        ? entries
        : entries.filter((e) => e.logs.length > 0);
      if (!this.#keys) writing = writing.map(({ trialName, logs }) => ({ trialName, logs }));
      if (writing.length === entries.length) return this.#write(writing);
      const stored = writing.length === 0 ? [] : await this.#write(writing);
      let next = 0;
      return entries.map((e) => (e.logs.length > 0 ? stored[next++] === true : true));
    });
  }

  get(trialName: string, query: ObservationQuery = {}): Promise<MetricLog[]> {
    return this.#track('get', () =>
      retryDropped(async () => {
        const rows = await this.#select(trialName, query).orderBy('time').orderBy('id').execute();
        return this.#decode(rows);
      }),
    );
  }

  async scan(
    trialName: string,
    query: ObservationQuery,
    pageSize: number,
    visit: (logs: MetricLog[]) => void,
  ): Promise<void> {
    // Keyset pages over the (trial_name, time, id) index: each starts after the last row seen.
    let after: { time: SqlTime; id: number } | undefined;
    for (;;) {
      const cursor = after;
      const rows = await this.#track('get', () =>
        retryDropped(() => {
          let select = this.#select(trialName, query).select('id');
          if (cursor !== undefined) {
            // `time >= t` first: a range on the index on every dialect (an OR alone is not).
            select = select
              .where('time', '>=', cursor.time)
              .where((eb) => eb.or([eb('time', '>', cursor.time), eb('id', '>', cursor.id)]));
          }
          return select.orderBy('time').orderBy('id').limit(pageSize).execute();
        }),
      );
      if (rows.length > 0) visit(this.#decode(rows));
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1]!;
      after = { time: last.time, id: Number(last.id) };
    }
  }

  #select(trialName: string, query: ObservationQuery) {
    let select = this.#kysely
      .selectFrom('observation_logs')
      .select(['time', 'metric_name', 'value'])
      .where('trial_name', '=', trialName);
    if (query.metricName !== undefined) select = select.where('metric_name', '=', query.metricName);
    if (query.startTime !== undefined)
      select = select.where('time', '>=', this.#time.encode(query.startTime));
    if (query.endTime !== undefined) select = select.where('time', '<=', this.#time.encode(query.endTime));
    return select;
  }

  #decode(rows: readonly { time: SqlTime; metric_name: string; value: string }[]): MetricLog[] {
    const logs: MetricLog[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as (typeof rows)[number];
      logs[i] = { time: this.#time.decode(row.time), name: row.metric_name, value: row.value };
    }
    return logs;
  }

  delete(trialName: string): Promise<number> {
    // In a transaction so that a dropped connection can be retried without miscounting: a bare
    // DELETE whose reply was lost would count 0 on the retry for the rows it had removed.
    return this.#track('delete', () =>
      transactionRetryingDropped(this.#kysely, async (trx) => {
        const result = await trx
          .deleteFrom('observation_logs')
          .where('trial_name', '=', trialName)
          .executeTakeFirst();
        if (this.#keys)
          await trx.deleteFrom('idempotency_keys').where('trial_name', '=', trialName).execute();
        if (this.explicitMetrics)
          await trx.deleteFrom('explicit_metrics').where('trial_name', '=', trialName).execute();
        return Number(result.numDeletedRows);
      }).finally(() => this.explicitMetrics?.forget(trialName)),
    );
  }

  pruneKeys(recordedBefore: EpochMicros): Promise<number> {
    return this.#track('pruneKeys', async () => {
      if (!this.#keys) return 0;
      // One statement: rows deleted are gone whether or not its reply arrives, so a dropped
      // connection is retried like a read (the retry counts only what is left).
      const result = await retryDropped(() =>
        this.#kysely
          .deleteFrom('idempotency_keys')
          .where('time', '<', this.#time.encode(recordedBefore))
          .executeTakeFirst(),
      );
      return Number(result.numDeletedRows);
    });
  }

  ping(): Promise<void> {
    return this.#track('ping', () => pingKysely(this.#kysely));
  }

  close(): Promise<void> {
    this.#closing ??=
      this.#inFlight === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            this.#drained = resolve;
          });
    return this.#closing;
  }

  async #track<T>(during: string, call: () => Promise<T>): Promise<T> {
    if (this.#closing !== undefined)
      throw new KatibError('unavailable', `${this.#dialect} observation store is closed`);
    this.#inFlight++;
    try {
      return await call();
    } catch (err) {
      throw storeError(err, this.#dialect, during);
    } finally {
      if (--this.#inFlight === 0) this.#drained?.();
    }
  }
}

/** A trivial query, retried once on a dropped connection. */
export function pingKysely(kysely: Kysely<KatibTables>): Promise<void> {
  return retryDropped(async () => {
    await sql`SELECT 1`.execute(kysely);
  });
}
