import { isReportedMetricValue, REPORTED_VALUE_RULE } from '../../api/metric-value.js';
import { InvalidMetricError } from './errors.js';
import { checkName } from './options.js';

/** What a trial may report: metric name -> a number or a number's text. */
export type Metrics = Readonly<Record<string, number | string>>;

/**
 * Checks every metric and returns `[name, wire value]` pairs in the object's key order.
 * Numbers go on the wire as `String(v)` ("0.93", "1e-7", "5", "Infinity"); strings as given
 * (like Katib's `str(v)`, so "1.50" stays "1.50").
 *
 * Names and values follow src/api/metric-name.ts and src/api/metric-value.ts (a value is sent
 * when the DB manager stores it and min/max count it): NaN, "nan", "1e999", "0x10", " 1" are
 * rejected here, so that a diverged loss fails loudly in the trial rather than being stored as
 * a value nobody counts. Throws InvalidMetricError naming `metrics.<name>` and the value.
 */
export function metricEntries(metrics: Metrics): Array<[string, string]> {
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) {
    throw new InvalidMetricError('metrics', metrics, 'must be an object of metric name -> number');
  }
  const names = Object.keys(metrics);
  const entries: Array<[string, string]> = new Array(names.length);
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    checkName('metrics', name, 'is a metric name that ');
    entries[i] = [name, wireValue(name, metrics[name])];
  }
  return entries;
}

function wireValue(name: string, value: unknown): string {
  const text = typeof value === 'number' || typeof value === 'string' ? String(value) : undefined;
  if (text !== undefined && isReportedMetricValue(text)) return text;
  throw new InvalidMetricError(`metrics.${name}`, value, REPORTED_VALUE_RULE);
}
