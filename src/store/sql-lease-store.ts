import { type Kysely, type RawBuilder, sql } from 'kysely';
import { storeError } from './db-errors.js';
import type { Dialect } from './db-url.js';
import type { ExperimentLeasesTable } from './schema.js';

/** Who holds (or wants) an experiment's lease. */
export interface LeaseHolder {
  /** Unique per owning process (a random id): the lease's key for renew and release. */
  holder: string;
  /** What runs the experiment: `katib run`, `katib server`, `KatibClient`. */
  program: string;
  host: string;
  pid: number;
}

/** An experiment's lease as stored. Times are epoch ms by the database's clock. */
export interface Lease extends LeaseHolder {
  experimentName: string;
  acquiredAt: number;
  heartbeatAt: number;
  expiresAt: number;
  /** The database's clock when this was read, to compare the other times with. */
  now: number;
}

/**
 * One owner per experiment: a row per experiment naming the process that drives it, renewed by
 * that process, taken over by another only after it expires.
 *
 * Contract, the same on every dialect:
 * - `acquire` takes the lease when there is none, when it has expired (`expires_at` before the
 *   database's now), or when `holder` already holds it (then it is renewed); otherwise it changes
 *   nothing. Either way it resolves with the lease as it stands afterwards, so the caller sees who
 *   holds it. Two processes acquiring at once: exactly one gets it.
 * - `renew` pushes the expiry to now + ttl and resolves true only while `holder` still holds it;
 *   false once someone else took it (the caller must stop driving the experiment).
 * - `release` deletes the lease if `holder` holds it (idempotent).
 * - Every time is the database's clock, never the caller's: hosts need not agree on the time.
 */
export interface LeaseStore {
  acquire(experimentName: string, holder: LeaseHolder, ttlMs: number): Promise<Lease>;
  renew(experimentName: string, holder: string, ttlMs: number): Promise<boolean>;
  release(experimentName: string, holder: string): Promise<void>;
  get(experimentName: string): Promise<Lease | undefined>;
}

interface Tables {
  experiment_leases: ExperimentLeasesTable;
}

/** LeaseStore over a Database's Kysely (the `experiment_leases` table of migration 0005). */
export class SqlLeaseStore implements LeaseStore {
  readonly #db: Kysely<Tables>;
  readonly #dialect: Dialect;
  readonly #now: RawBuilder<number>;

  // biome-ignore lint/suspicious/noExplicitAny: shares the Database's Kysely, typed with every table.
  constructor(db: Kysely<any>, dialect: Dialect) {
    this.#db = db as Kysely<Tables>;
    this.#dialect = dialect;
    this.#now = databaseNowMs(dialect);
  }

  async acquire(experimentName: string, who: LeaseHolder, ttlMs: number): Promise<Lease> {
    const now = this.#now;
    const expires = sql<number>`${now} + ${Math.round(ttlMs)}`;
    return this.#run('acquiring a lease', async () => {
      // acquired_at first: MySQL evaluates SET left to right, with the columns already assigned.
      await this.#db
        .updateTable('experiment_leases')
        .set({
          acquired_at: sql`CASE WHEN holder = ${who.holder} THEN acquired_at ELSE ${now} END`,
          holder: who.holder,
          program: who.program,
          host: who.host,
          pid: who.pid,
          heartbeat_at: now,
          expires_at: expires,
        })
        .where('experiment_name', '=', experimentName)
        .where((eb) => eb.or([eb('holder', '=', who.holder), eb('expires_at', '<', now)]))
        .execute();
      const row = {
        experiment_name: experimentName,
        holder: who.holder,
        program: who.program,
        host: who.host,
        pid: who.pid,
        acquired_at: now,
        heartbeat_at: now,
        expires_at: expires,
      };
      const insert = this.#db.insertInto('experiment_leases').values(row);
      await (this.#dialect === 'mysql'
        ? insert.ignore()
        : insert.onConflict((oc) => oc.column('experiment_name').doNothing())
      ).execute();
      const lease = await this.#read(experimentName);
      if (!lease) throw new Error(`the lease of ${experimentName} vanished while it was taken`);
      return lease;
    });
  }

  renew(experimentName: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.#now;
    return this.#run('renewing a lease', async () => {
      await this.#db
        .updateTable('experiment_leases')
        .set({ heartbeat_at: now, expires_at: sql`${now} + ${Math.round(ttlMs)}` })
        .where('experiment_name', '=', experimentName)
        .where('holder', '=', holder)
        .execute();
      // Read back rather than trust the row count: MySQL counts changed rows, not matched ones.
      return (await this.#read(experimentName))?.holder === holder;
    });
  }

  release(experimentName: string, holder: string): Promise<void> {
    return this.#run('releasing a lease', async () => {
      await this.#db
        .deleteFrom('experiment_leases')
        .where('experiment_name', '=', experimentName)
        .where('holder', '=', holder)
        .execute();
    });
  }

  get(experimentName: string): Promise<Lease | undefined> {
    return this.#run('reading a lease', () => this.#read(experimentName));
  }

  async #read(experimentName: string): Promise<Lease | undefined> {
    const row = await this.#db
      .selectFrom('experiment_leases')
      .selectAll()
      .select(this.#now.as('now'))
      .where('experiment_name', '=', experimentName)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      experimentName: row.experiment_name,
      holder: row.holder,
      program: row.program,
      host: row.host,
      pid: Number(row.pid),
      // BIGINT comes back as a string from pg (and from mysql2 past 2^53).
      acquiredAt: Number(row.acquired_at),
      heartbeatAt: Number(row.heartbeat_at),
      expiresAt: Number(row.expires_at),
      now: Number(row.now),
    };
  }

  async #run<T>(during: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw storeError(err, this.#dialect, during);
    }
  }
}

/** The database's clock as epoch milliseconds, as an SQL expression. */
function databaseNowMs(dialect: Dialect): RawBuilder<number> {
  if (dialect === 'sqlite') return sql<number>`CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`;
  if (dialect === 'mysql') return sql<number>`CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)`;
  return sql<number>`CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)`;
}
