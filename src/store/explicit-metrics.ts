/**
 * Which of a trial's metrics the trial pushed explicitly (table `explicit_metrics`), for the DB
 * manager's once-only rule (src/dbmanager/once-only.ts, docs/injection.md "Explicit and automatic
 * pushes"): once a metric has an explicit point, automatic captures of it are dropped, and the
 * automatic points stored before are deleted in the transaction that stores the first explicit one.
 *
 * Until a metric is marked, every point of it in `observation_logs` came from an automatic capture
 * (an explicit one would have marked it), so the marking transaction can delete the metric's rows
 * as they are without Katib's table needing a column saying where each row came from.
 */
import type { Kysely } from 'kysely';
import type { MetricLog } from '../api/observation.js';
import { nowMicros } from '../api/time.js';
import type { Dialect } from './db-url.js';
import { transactionRetryingDropped } from './retry.js';
import type { KatibTables } from './schema.js';
import type { TimeCodec } from './sql-time.js';

/**
 * The marks, cached per trial in this process. Contract:
 * - `of` resolves the trial's marked metric names (read once, then kept; writes through `claim`
 *   and `forget` keep the cache true for this process; marks made by another process are seen
 *   after this one forgets the trial or evicts it from its cache).
 * - `claim` runs one transaction: the idempotency key (a key recorded already stores nothing and
 *   resolves false), the marks of `metrics`, the deletion of the trial's rows of every metric it
 *   marked now (not of those marked before), then `logs`. Durable when it resolves true.
 * - `forget` drops the cached marks (the store's `delete` removes the rows in its transaction).
 */
export interface ExplicitMetrics {
  of(trialName: string): Promise<ReadonlySet<string>>;
  claim(
    trialName: string,
    metrics: readonly string[],
    logs: readonly MetricLog[],
    idempotencyKey?: string,
  ): Promise<boolean>;
  forget(trialName: string): void;
}

/** Trials whose marks are kept in memory at most (the oldest read goes first). */
const CACHED_TRIALS = 10_000;
/** Rows per INSERT of a claim's logs (PostgreSQL binds at most 65,535 parameters). */
const ROWS_PER_INSERT = 1000;

/** Attempts of a claim the database rolled back as a deadlock victim (it stored nothing). */
const DEADLOCK_ATTEMPTS = 5;

async function retryDeadlock<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (attempt >= DEADLOCK_ATTEMPTS || (code !== 'ER_LOCK_DEADLOCK' && code !== '40P01')) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt));
    }
  }
}

export class SqlExplicitMetrics implements ExplicitMetrics {
  readonly #kysely: Kysely<KatibTables>;
  readonly #dialect: Dialect;
  readonly #time: TimeCodec;
  readonly #cache = new Map<string, Promise<Set<string>>>();

  constructor(kysely: Kysely<KatibTables>, dialect: Dialect, time: TimeCodec) {
    this.#kysely = kysely;
    this.#dialect = dialect;
    this.#time = time;
  }

  of(trialName: string): Promise<ReadonlySet<string>> {
    let marks = this.#cache.get(trialName);
    if (marks === undefined) {
      marks = this.#kysely
        .selectFrom('explicit_metrics')
        .select('metric_name')
        .where('trial_name', '=', trialName)
        .execute()
        .then((rows) => new Set(rows.map((r) => r.metric_name)));
      marks.catch(() => this.#cache.delete(trialName));
      this.#cache.set(trialName, marks);
      if (this.#cache.size > CACHED_TRIALS) this.#cache.delete(this.#cache.keys().next().value as string);
    }
    return marks;
  }

  async claim(
    trialName: string,
    metrics: readonly string[],
    logs: readonly MetricLog[],
    idempotencyKey?: string,
  ): Promise<boolean> {
    const marked = await retryDeadlock(() => this.#claimOnce(trialName, metrics, logs, idempotencyKey));
    if (marked === undefined) return false;
    const cached = this.#cache.get(trialName);
    if (cached !== undefined) {
      const set = await cached.catch(() => undefined);
      for (const m of marked) set?.add(m);
    }
    return true;
  }

  #claimOnce(
    trialName: string,
    metrics: readonly string[],
    logs: readonly MetricLog[],
    idempotencyKey: string | undefined,
  ): Promise<readonly string[] | undefined> {
    return transactionRetryingDropped(this.#kysely, async (trx) => {
      if (idempotencyKey !== undefined) {
        const key = {
          idempotency_key: idempotencyKey,
          trial_name: trialName,
          time: this.#time.encode(nowMicros()),
        };
        const insert = trx.insertInto('idempotency_keys').values(key);
        const result = await (this.#dialect === 'mysql'
          ? insert.ignore()
          : insert.onConflict((oc) => oc.column('idempotency_key').doNothing())
        ).executeTakeFirst();
        if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) return undefined;
      }
      // Marks made by another transaction meanwhile are left, and so are their metrics' rows.
      const before = await trx
        .selectFrom('explicit_metrics')
        .select('metric_name')
        .where('trial_name', '=', trialName)
        .where('metric_name', 'in', metrics)
        .execute();
      const had = new Set(before.map((r) => r.metric_name));
      const fresh = metrics.filter((m) => !had.has(m));
      if (fresh.length > 0) {
        const marks = fresh.map((m) => ({ trial_name: trialName, metric_name: m }));
        const insert = trx.insertInto('explicit_metrics').values(marks);
        await (this.#dialect === 'mysql'
          ? insert.ignore()
          : insert.onConflict((oc) => oc.columns(['trial_name', 'metric_name']).doNothing())
        ).execute();
        // By primary key, after a plain read: a range DELETE would take gap locks on the
        // (trial_name, time, id) index on MySQL and deadlock with other trials' inserts. The DB
        // manager holds the trial's other writes while this runs (once-only.ts).
        const rows = await trx
          .selectFrom('observation_logs')
          .select('id')
          .where('trial_name', '=', trialName)
          .where('metric_name', 'in', fresh)
          .execute();
        const ids = rows.map((r) => r.id);
        for (let i = 0; i < ids.length; i += ROWS_PER_INSERT)
          await trx
            .deleteFrom('observation_logs')
            .where('id', 'in', ids.slice(i, i + ROWS_PER_INSERT))
            .execute();
      }
      for (let i = 0; i < logs.length; i += ROWS_PER_INSERT) {
        const rows = logs.slice(i, i + ROWS_PER_INSERT).map((log) => ({
          trial_name: trialName,
          time: this.#time.encode(log.time),
          metric_name: log.name,
          value: log.value,
        }));
        await trx.insertInto('observation_logs').values(rows).execute();
      }
      return metrics;
    });
  }

  forget(trialName: string): void {
    this.#cache.delete(trialName);
  }
}
