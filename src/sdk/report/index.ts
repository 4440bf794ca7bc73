/**
 * The trial-side push API (`katib-ts/report`): what trial code imports to send its metrics
 * to the DB manager. Kept free of heavy imports: every trial pays for loading it.
 */
export {
  InvalidMetricError,
  MissingTrialNameError,
  PushRejectedError,
  PushTimeoutError,
  ReportMetricsError,
} from './errors.js';
export type { Metrics } from './metric-values.js';
export {
  createMetricsReporter,
  type MetricsReporter,
  type MetricsReporterOptions,
} from './metrics-reporter.js';
export {
  DEFAULT_DB_MANAGER_ADDRESS,
  DEFAULT_TIMEOUT_SECONDS,
  type ReportOptions,
  type RetryListener,
} from './options.js';
export { closeReportConnections, reportMetrics } from './report-metrics.js';
