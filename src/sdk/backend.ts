import type { Experiment } from '../api/experiment.js';
import type { Trial } from '../api/trial.js';

/** The budget fields editExperimentBudget changes (unset ones keep their value). */
export interface ExperimentBudget {
  maxTrialCount?: number;
  parallelTrialCount?: number;
  maxFailedTrialCount?: number;
}

/** One reported point, as Katib's DB manager returns it (`GetObservationLog`). */
export interface TrialMetricLog {
  /** RFC 3339, UTC, microseconds. */
  timeStamp: string;
  metric: { name: string; value: string };
}

/** Filters of getTrialMetrics; each left out means no bound. */
export interface TrialMetricsQuery {
  metricName?: string;
  /** RFC 3339, inclusive. */
  startTime?: string;
  /** RFC 3339, inclusive. */
  endTime?: string;
}

/** What a trial's process printed (the last MiB of each stream). */
export interface TrialLogs {
  stdout: string;
  stderr: string;
}

/**
 * Where KatibClient's calls go: an in-process ExperimentManager (embedded) or a `katib server`
 * (gRPC). Both validate experiments again before storing them, answer unknown names `not_found`,
 * and fail with KatibErrors carrying the same codes.
 */
export interface KatibBackend {
  createExperiment(experiment: Experiment): Promise<Experiment>;
  getExperiment(name: string): Promise<Experiment>;
  listExperiments(): Promise<Experiment[]>;
  editExperimentBudget(name: string, budget: ExperimentBudget): Promise<Experiment>;
  deleteExperiment(name: string): Promise<void>;
  listTrials(experimentName: string): Promise<Trial[]>;
  getTrial(name: string): Promise<Trial>;
  getTrialLogs(name: string): Promise<TrialLogs>;
  getTrialMetrics(name: string, query: TrialMetricsQuery): Promise<TrialMetricLog[]>;
  /** Calls `listener` when an experiment may have changed (waiters wake early); embedded only. */
  onChange?(listener: (experimentName: string) => void): () => void;
  close(): Promise<void>;
}
