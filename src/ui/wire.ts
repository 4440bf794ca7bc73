/**
 * The dashboard's JSON, as the server sends it and the browser client reads it (the client
 * imports these types only; esbuild drops them from the bundle). Times are ISO 8601 strings as
 * stored, except observation times: epoch milliseconds (fractional, to the microsecond).
 */
import type { Condition, Experiment, ExperimentConditionType, ObjectiveType } from '../api/experiment.js';
import type { Trial, TrialConditionType } from '../api/trial.js';

/** One row of the experiments list. */
export interface ExperimentSummary {
  name: string;
  /** The current condition's type; `Created` before the controller has written any. */
  state: ExperimentConditionType;
  reason: string;
  message: string;
  algorithm: string;
  /** `strategy`: which of min, max and latest of the objective the experiment compares (metricStrategies). */
  objective: { type: ObjectiveType; metric: string; goal?: number; strategy?: 'min' | 'max' | 'latest' };
  trials: number;
  succeeded: number;
  running: number;
  pending: number;
  /** Failed and MetricsUnavailable: the trials that count against maxFailedTrialCount. */
  failed: number;
  earlyStopped: number;
  killed: number;
  maxTrialCount?: number;
  parallelTrialCount: number;
  bestTrial?: string;
  /** The best trial's objective as the metric strategy compares it. */
  bestValue?: number;
  created?: string;
  completed?: string;
}

/** One trial, as the experiment page's table and charts need it. */
export interface TrialSummary {
  name: string;
  state: TrialConditionType;
  reason: string;
  /** Assignments in the order of ExperimentDetail.parameters; '' where missing. */
  params: string[];
  /** The ended trial's objective as its metric strategy compares it; null when none or not a number. */
  objective: number | null;
  /** Each observed metric's value under its strategy (min, max or latest), as stored. */
  metrics: Record<string, string>;
  created?: string;
  started?: string;
  completed?: string;
  /** A running trial's latest reported objective value (ms epoch time); not part of change detection. */
  current?: LivePoint;
}

export interface LivePoint {
  value: number;
  time: number;
}

export interface ParameterInfo {
  name: string;
  type: string;
  min?: string;
  max?: string;
  list?: string[];
  distribution?: string;
}

/** Everything the experiment page shows, in one response however many trials there are. */
export interface ExperimentDetail {
  summary: ExperimentSummary;
  conditions: Condition<ExperimentConditionType>[];
  optimal?: NonNullable<Experiment['status']>['currentOptimalTrial'];
  parameters: ParameterInfo[];
  /** Objective first, then the additional metrics. */
  metricNames: string[];
  /** The experiment as a Katib v1beta1 YAML document (status left out). */
  specYaml: string;
  trials: TrialSummary[];
}

/** One metric's observation log in columns: times (epoch ms) and values (null where not a number). */
export interface MetricSeries {
  t: number[];
  v: (number | null)[];
}

export interface TrialDetail {
  trial: Trial;
  experiment: { name: string; objective: ExperimentSummary['objective']; metricNames: string[] };
  /** By metric name, every reported point in time order. */
  series: Record<string, MetricSeries>;
}

export interface LogTail {
  /** The last bytes of the file (decoded as UTF-8), or null when there is no such file. */
  text: string | null;
  /** The file's whole size in bytes. */
  size: number;
  truncated: boolean;
}

export interface TrialLogsReply {
  /** Why no logs can be shown (no work folder known to this server), if so. */
  unavailable?: string;
  dir?: string;
  stdout: LogTail;
  stderr: LogTail;
}

/** What the page learns from the server at load (inlined in index.html). */
export interface DashboardConfig {
  writable: boolean;
  actions: ('stop' | 'delete')[];
}

/** Server-Sent Events, by stream. */
export interface ListEvents {
  experiments: ExperimentSummary[];
  removed: string[];
}

export interface ExperimentEvents {
  experiment: Omit<ExperimentDetail, 'trials' | 'specYaml' | 'parameters' | 'metricNames'>;
  trials: TrialSummary[];
  current: { trial: string; point: LivePoint }[];
  removed: string[];
}

export interface TrialEvents {
  trial: Trial;
  metrics: { name: string; t: number; v: number | null }[];
  removed: string[];
}
