/**
 * Metric strategies: how a trial's stored log becomes its observation, as Katib's trial
 * controller computes it on completion. Pure functions, no I/O.
 */
import type { ObjectiveSpec } from '../api/experiment.js';
import type { MetricLog, MetricStrategyValue, ObservationMetric } from '../api/observation.js';
import { UNAVAILABLE_VALUE } from '../api/observation.js';
import { parseMetricNumber } from './metric-number.js';

/** The metrics an experiment asks for: the objective first, then the additional ones (deduplicated). */
export function metricNamesOf(
  objective: Pick<ObjectiveSpec, 'objectiveMetricName' | 'additionalMetricNames'>,
): string[] {
  return [...new Set([objective.objectiveMetricName, ...objective.additionalMetricNames])];
}

/**
 * `{name, min, max, latest}` for each of `metricNames`, in that order, from `logs` (any order; logs
 * of other metrics are ignored). min and max are over the values that parse as numbers and keep
 * the value's original text (the first one seen when several are equal); latest is the value with
 * the newest time, a tie going to the later log in `logs` (the store returns ties in insertion
 * order). A metric with no logs, or no numeric value for min/max, reads "unavailable".
 */
export function observationOf(
  logs: readonly MetricLog[],
  metricNames: readonly string[],
): ObservationMetric[] {
  const acc = new ObservationAccumulator(metricNames);
  acc.add(logs);
  return acc.result();
}

/**
 * observationOf a page at a time: `add` the logs in the store's order (several calls, as a long
 * log is read in pages), then `result`. Holds three values per metric, whatever the log's length.
 */
export class ObservationAccumulator {
  readonly #metricNames: readonly string[];
  readonly #acc = new Map<string, Accumulator>();

  constructor(metricNames: readonly string[]) {
    this.#metricNames = metricNames;
    for (const name of metricNames)
      this.#acc.set(name, { min: undefined, max: undefined, latest: undefined });
  }

  add(logs: readonly MetricLog[]): void {
    for (const log of logs) {
      const a = this.#acc.get(log.name);
      if (!a) continue;
      const value = parseMetricNumber(log.value);
      if (value !== undefined) {
        if (!a.min || value < a.min.value) a.min = { value, text: log.value };
        if (!a.max || value > a.max.value) a.max = { value, text: log.value };
      }
      if (!a.latest || log.time >= a.latest.time) a.latest = { time: log.time, text: log.value };
    }
  }

  result(): ObservationMetric[] {
    return this.#metricNames.map((name) => {
      const a = this.#acc.get(name)!;
      return {
        name,
        min: a.min?.text ?? UNAVAILABLE_VALUE,
        max: a.max?.text ?? UNAVAILABLE_VALUE,
        latest: a.latest?.text ?? UNAVAILABLE_VALUE,
      };
    });
  }
}

interface Accumulator {
  min: { value: number; text: string } | undefined;
  max: { value: number; text: string } | undefined;
  latest: { time: number; text: string } | undefined;
}

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
