import { InvalidMetricError } from './errors.js';
import { checkName } from './options.js';

/** The DB manager's cap on a value's length. */
const MAX_VALUE_LENGTH = 1024;

/** What a trial may report: metric name -> a finite number or a numeric string. */
export type Metrics = Readonly<Record<string, number | string>>;

// A decimal number as Katib's TEXT filter and every float parser read it: sign, digits,
// optional fraction and exponent. No spaces, no "nan"/"inf", no hex, no "1_000".
const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Checks every metric and returns `[name, wire value]` pairs in the object's key order.
 * Numbers go on the wire as `String(v)` ("0.93", "1e-7", "5"); numeric strings as given
 * (like Katib's `str(v)`, so "1.50" stays "1.50").
 *
 * NaN and ±Infinity are rejected (Katib's Python SDK would send "nan"/"inf"): a diverged loss
 * should fail loudly in the trial rather than poison min/max observations and goal checks
 * downstream. Throws InvalidMetricError naming `metrics.<name>` and the value.
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
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return String(value);
    throw new InvalidMetricError(
      `metrics.${name}`,
      value,
      'is not a finite number (NaN and ±Infinity are rejected)',
    );
  }
  if (typeof value === 'string' && value.length <= MAX_VALUE_LENGTH && NUMERIC.test(value)) return value;
  throw new InvalidMetricError(
    `metrics.${name}`,
    value,
    'is not a number or a numeric string (e.g. 0.93 or "1e-3")',
  );
}
