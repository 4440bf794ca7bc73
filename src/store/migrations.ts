import { type Kysely, type Migration, Migrator } from 'kysely';
import type { Dialect } from './db-url.js';
import {
  autoIncrementId,
  createIndexIfMissing,
  documentText,
  microsecondTime,
  mysqlTableOptions,
} from './schema-helpers.js';

/** One schema change. `up` sees the dialect, for the few types and options that differ. */
export interface KatibMigration {
  /** Unique, and sorting in list order: a zero-padded sequence number and a few words. */
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not today's types.
  up(db: Kysely<any>, dialect: Dialect): Promise<void>;
}

/**
 * Every migration, oldest first. Append new ones at the end (a released migration is never edited:
 * databases out there have run it), together with their tables' types in schema.ts.
 */
export const MIGRATIONS: readonly KatibMigration[] = [
  {
    // Katib's table with Katib's column names, so an existing Katib database is adopted as it is
    // (if the table exists, only the index is added). Katib's own table has no index but the
    // primary key; reads of one trial would scan the whole table.
    //
    // Index (trial_name, time, id): every read is one trial in (time, id) order, so the index
    // serves both the filter and the order. Measured on SQLite (2,000,000 rows, 8 concurrent
    // trials, 4 metrics each): one trial's read (1,000 rows) 0.94 ms, one metric of it 0.49 ms,
    // 370k-426k rows/s inserted. (trial_name, metric_name, time, id) read one metric in 0.25 ms
    // but was 9% larger and spreads each commit over trials x metrics index pages, which costs
    // writes once many metrics are reported (the hot path). Without any index: 776k rows/s
    // inserted, but reads scan everything.
    name: '0001-observation-logs',
    async up(db, dialect) {
      let table = db.schema
        .createTable('observation_logs')
        .ifNotExists()
        .addColumn('trial_name', 'varchar(255)', (c) => c.notNull())
        .addColumn('id', autoIncrementId(dialect), (c) => {
          const key = c.primaryKey();
          return dialect === 'mysql' ? key.autoIncrement() : key;
        })
        .addColumn('time', microsecondTime(dialect), (c) => c.notNull())
        .addColumn('metric_name', 'varchar(255)', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull());
      if (dialect === 'mysql') table = table.modifyEnd(await mysqlTableOptions(db));
      await table.execute();
      await createIndexIfMissing(db, dialect, 'observation_logs', 'observation_logs_trial_time_id', [
        'trial_name',
        'time',
        'id',
      ]);
    },
  },
  {
    // The ExperimentStore's tables (katib-ts's own: Katib keeps these in Kubernetes). IF NOT EXISTS
    // lets a MySQL run that failed between the two tables (its DDL is not transactional) be re-run.
    name: '0002-experiments-and-trials',
    async up(db, dialect) {
      let experiments = db.schema
        .createTable('experiments')
        .ifNotExists()
        .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('body', documentText(dialect), (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull());
      let trials = db.schema
        .createTable('trials')
        .ifNotExists()
        .addColumn('id', autoIncrementId(dialect), (c) => {
          const key = c.primaryKey();
          return dialect === 'mysql' ? key.autoIncrement() : key;
        })
        .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
        .addColumn('experiment_name', 'varchar(255)', (c) => c.notNull())
        .addColumn('state', 'varchar(64)', (c) => c.notNull())
        .addColumn('body', documentText(dialect), (c) => c.notNull());
      if (dialect === 'mysql') {
        const options = await mysqlTableOptions(db);
        experiments = experiments.modifyEnd(options);
        trials = trials.modifyEnd(options);
      }
      await experiments.execute();
      await trials.execute();
      await createIndexIfMissing(db, dialect, 'trials', 'trials_experiment_id', ['experiment_name', 'id']);
    },
  },
  {
    // Idempotency keys of reports (see ObservationStore): written in the transaction that stores the
    // report's rows, so "stored" and "key recorded" commit together, and the primary key makes a
    // second report with the key (a retry, or the same request twice at once) store nothing. `time`
    // is when the key was recorded; trial_name lets DeleteObservationLog remove a trial's keys.
    // The key column is compared byte for byte on MySQL too (mysqlTableOptions' binary collation).
    name: '0003-idempotency-keys',
    async up(db, dialect) {
      let table = db.schema
        .createTable('idempotency_keys')
        .ifNotExists()
        .addColumn('idempotency_key', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('trial_name', 'varchar(255)', (c) => c.notNull())
        .addColumn('time', microsecondTime(dialect), (c) => c.notNull());
      if (dialect === 'mysql') table = table.modifyEnd(await mysqlTableOptions(db));
      await table.execute();
      await createIndexIfMissing(db, dialect, 'idempotency_keys', 'idempotency_keys_trial', ['trial_name']);
    },
  },
  {
    // Keys are pruned by age (ObservationStore.pruneKeys, run by the DB manager): without an index
    // on the time recorded, each prune would scan the whole table.
    name: '0004-idempotency-keys-time',
    async up(db, dialect) {
      await createIndexIfMissing(db, dialect, 'idempotency_keys', 'idempotency_keys_time', ['time']);
    },
  },
  {
    // One owner per experiment (see LeaseStore): the process driving an experiment holds its row and
    // renews it; another process may take it only once `expires_at` has passed. Times are epoch
    // milliseconds from the database's own clock (BIGINT on every dialect), so hosts sharing a
    // MySQL/PostgreSQL database need not agree on the time. No foreign key to experiments: a lease
    // is taken before the experiment it guards is created.
    name: '0005-experiment-leases',
    async up(db, dialect) {
      let table = db.schema
        .createTable('experiment_leases')
        .ifNotExists()
        .addColumn('experiment_name', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('holder', 'varchar(64)', (c) => c.notNull())
        .addColumn('program', 'varchar(64)', (c) => c.notNull())
        .addColumn('host', 'varchar(255)', (c) => c.notNull())
        .addColumn('pid', 'integer', (c) => c.notNull())
        .addColumn('acquired_at', 'bigint', (c) => c.notNull())
        .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull());
      if (dialect === 'mysql') table = table.modifyEnd(await mysqlTableOptions(db));
      await table.execute();
    },
  },
  {
    // The metrics each trial pushed explicitly (explicit-metrics.ts: the once-only rule of explicit
    // and automatic pushes). The primary key serves the one read (a trial's marks) and makes a mark
    // made twice at once one row.
    name: '0006-explicit-metrics',
    async up(db, dialect) {
      let table = db.schema
        .createTable('explicit_metrics')
        .ifNotExists()
        .addColumn('trial_name', 'varchar(255)', (c) => c.notNull())
        .addColumn('metric_name', 'varchar(255)', (c) => c.notNull())
        .addPrimaryKeyConstraint('explicit_metrics_pk', ['trial_name', 'metric_name']);
      if (dialect === 'mysql') table = table.modifyEnd(await mysqlTableOptions(db));
      await table.execute();
    },
  },
];

/** Kysely's bookkeeping tables, named so they are recognisable next to Katib's in a shared database. */
const MIGRATION_TABLE = 'katib_ts_migrations';
const MIGRATION_LOCK_TABLE = 'katib_ts_migrations_lock';

/**
 * Brings the schema to the latest migration. Idempotent; concurrent callers (several processes
 * opening one database) are serialised by Kysely's migration lock. Rejects with the failing
 * migration's error; a database migrated by a newer katib-ts (a migration this build does not
 * know) is refused rather than guessed at.
 */
// biome-ignore lint/suspicious/noExplicitAny: see KatibMigration.up.
export async function migrateToLatest(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const migrations: Record<string, Migration> = {};
  for (const m of MIGRATIONS) migrations[m.name] = { up: (trx) => m.up(trx, dialect) };
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    if (failed !== undefined && error instanceof Error)
      error.message = `migration ${failed}: ${error.message}`;
    throw error;
  }
}
