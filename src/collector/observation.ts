/**
 * Metric strategies: how a trial's stored log becomes its observation, as Katib's trial
 * controller computes it on completion. Pure functions, no I/O.
 */
import type { ObjectiveSpec } from '../api/experiment.js';
import { parseMetricNumber } from '../api/metric-value.js';
import type { MetricLog, ObservationMetric } from '../api/observation.js';
import { UNAVAILABLE_VALUE } from '../api/observation.js';

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
