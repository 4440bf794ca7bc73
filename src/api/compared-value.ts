/**
 * The number an experiment compares for a metric (goal checks, the optimal trial, early
 * stopping, the suggesters' history): the observation's min, max or latest as the experiment's
 * metric strategy picks, read by src/api/metric-value.ts's rule. Pure functions over api types,
 * so the suggesters and early stopping need not import the collector.
 */
import type { ObjectiveSpec } from './experiment.js';
import { parseMetricNumber } from './metric-value.js';
import type { MetricStrategyValue, ObservationMetric } from './observation.js';

/**
 * The strategy the experiment uses for `metricName`: its entry in `metricStrategies` (spec
 * loading fills one per metric: min/max for the objective by its direction, latest for the
 * additional ones), else min when minimizing and max when maximizing.
 */
export function strategyFor(
  objective: Pick<ObjectiveSpec, 'type' | 'metricStrategies'>,
  metricName: string,
): MetricStrategyValue {
  const listed = objective.metricStrategies.find((s) => s.name === metricName);
  if (listed) return listed.value;
  return objective.type === 'minimize' ? 'min' : 'max';
}

/**
 * The number the experiment compares for `metricName` (goal checks, optimal trial, early
 * stopping): the observation's min, max or latest as `strategyFor` picks, parsed. Undefined when
 * the metric is missing from the observation, unavailable, or not a number.
 */
export function comparedValue(
  observation: readonly ObservationMetric[],
  metricName: string,
  objective: Pick<ObjectiveSpec, 'type' | 'metricStrategies'>,
): number | undefined {
  const metric = observation.find((m) => m.name === metricName);
  if (!metric) return undefined;
  return parseMetricNumber(metric[strategyFor(objective, metricName)]);
}
