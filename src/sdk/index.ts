// The TypeScript SDK: KatibClient (embedded or against `katib server`), search spaces, tune()'s
// options. The trial-side push API is `katib-ts/report` (src/sdk/report).
export type {
  ExperimentBudget,
  TrialLogs,
  TrialMetricLog,
  TrialMetricsQuery,
} from './backend.js';
export { KatibClient, type KatibClientOptions, type SuccessTrialDetails } from './katib-client.js';
export {
  type CategoricalSearch,
  type DiscreteSearch,
  type DoubleSearch,
  type IntSearch,
  type ParameterValues,
  type RangeOptions,
  type SearchSpace,
  search,
} from './search.js';
export type { MetricsCollectorConfig, Objective, ObjectiveResult, TuneOptions } from './tune-options.js';
export { ExperimentFailedError, type WaitOptions } from './wait.js';
