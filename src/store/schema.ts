import type { Generated } from 'kysely';

/**
 * A time as the database column holds it: integer epoch microseconds on SQLite, a
 * `YYYY-MM-DD HH:MM:SS.ffffff` UTC text on MySQL (DATETIME(6)) and PostgreSQL (TIMESTAMP(6)).
 * `TimeCodec` converts; nothing else should look inside.
 */
export type SqlTime = number | string;

/** Katib's `observation_logs`, with Katib's column names so a Katib database reads as it is. */
export interface ObservationLogsTable {
  trial_name: string;
  id: Generated<number>;
  time: SqlTime;
  metric_name: string;
  value: string;
}

/** Experiments as JSON documents (see SqlExperimentStore), by name, in creation order. */
export interface ExperimentsTable {
  name: string;
  /** The Experiment as JSON. */
  body: string;
  /** ISO 8601 UTC, which sorts as text. */
  created_at: string;
}

/** Trials as JSON documents, with the columns queries filter on; `id` is the creation order. */
export interface TrialsTable {
  id: Generated<number>;
  name: string;
  experiment_name: string;
  /** The type of the trial's current condition (`Created` before any). */
  state: string;
  /** The Trial as JSON. */
  body: string;
}

/** Idempotency keys of stored reports (see ObservationStore), one row per keyed report. */
export interface IdempotencyKeysTable {
  idempotency_key: string;
  trial_name: string;
  /** When the key was recorded. */
  time: SqlTime;
}

/** Who drives each experiment (see LeaseStore); times are epoch ms by the database's clock. */
export interface ExperimentLeasesTable {
  experiment_name: string;
  /** A random id per owning process (one ExperimentManager). */
  holder: string;
  /** What holds it: `katib run`, `katib server`, `KatibClient`. */
  program: string;
  host: string;
  pid: number;
  acquired_at: number | string;
  heartbeat_at: number | string;
  expires_at: number | string;
}

/** Metrics a trial pushed explicitly (see explicit-metrics.ts), one row per trial and metric. */
export interface ExplicitMetricsTable {
  trial_name: string;
  metric_name: string;
}

/**
 * Every table katib-ts keeps, for `Kysely<KatibTables>`. Later migrations add their tables here
 * (experiments, trials) in the same change that adds the migration.
 */
export interface KatibTables {
  observation_logs: ObservationLogsTable;
  experiments: ExperimentsTable;
  trials: TrialsTable;
  idempotency_keys: IdempotencyKeysTable;
  experiment_leases: ExperimentLeasesTable;
  explicit_metrics: ExplicitMetricsTable;
}
