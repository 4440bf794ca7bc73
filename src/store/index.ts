// The store's public surface: open a database by URL, read Katib's DB settings, and the store
// interfaces. Everything else in this folder is internal.
export { type Database, type OpenDatabaseOptions, openDatabase } from './database.js';
export {
  type DbConfig,
  type Dialect,
  dbUrlFromKatibEnv,
  displayUrl,
  type MysqlConfig,
  POSTGRES_SSL_MODES,
  type PostgresConfig,
  type PostgresSslMode,
  parseDbUrl,
  redactUrl,
  type SqliteConfig,
} from './db-url.js';
export type { ExperimentStore } from './experiment-store.js';
export { type KatibMigration, MIGRATIONS } from './migrations.js';
export type { ObservationStore, TrialLogs } from './observation-store.js';
export type {
  ExperimentLeasesTable,
  ExperimentsTable,
  IdempotencyKeysTable,
  KatibTables,
  ObservationLogsTable,
  SqlTime,
  TrialsTable,
} from './schema.js';
export { type Lease, type LeaseHolder, type LeaseStore, SqlLeaseStore } from './sql-lease-store.js';
