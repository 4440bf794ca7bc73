import type { EpochMicros } from './time.js';

/** One reported point of one metric, as stored in Katib's `observation_logs` table. */
export interface MetricLog {
  /** When the trial measured it, epoch microseconds UTC. */
  time: EpochMicros;
  name: string;
  /** Always a string, as on Katib's wire: "0.93", or "unavailable" for a metric never reported. */
  value: string;
}

/** Katib's marker value for a metric that a trial never reported. */
export { UNAVAILABLE_METRIC_VALUE as UNAVAILABLE_VALUE } from './metric-value.js';

/** A read filter; each field left out means "no bound". Times are inclusive. */
export interface ObservationQuery {
  metricName?: string;
  startTime?: EpochMicros;
  endTime?: EpochMicros;
}

/** How an experiment reduces a metric's log to one number. */
export type MetricStrategyValue = 'min' | 'max' | 'latest';

/** A trial's observation of one metric, as Katib shows it (`status.observation.metrics[]`). */
export interface ObservationMetric {
  name: string;
  min: string;
  max: string;
  latest: string;
}
