import { invalidArgument, KatibError } from '../api/errors.js';
import { metricNameProblem } from '../api/metric-name.js';
import { isStoredMetricValue, STORED_VALUE_RULE } from '../api/metric-value.js';
import type { MetricLog } from '../api/observation.js';
import { type EpochMicros, parseRfc3339, tryParseRfc3339 } from '../api/time.js';
import { DEFAULT_LIMITS, type RequestLimits } from './limits.js';

/** Whether `value` may be stored as a metric value: src/api/metric-value.ts's stored rule. */
export function checkValue(field: string, value: string): void {
  if (!isStoredMetricValue(value)) throw invalidArgument(field, value, STORED_VALUE_RULE);
}

/**
 * A name column (trial or metric name): src/api/metric-name.ts's rule, at most `maxLength`
 * characters (255, Katib's column, unless a lower cap is configured).
 */
export function checkName(field: string, name: string, maxLength = DEFAULT_LIMITS.maxNameLength): string {
  const problem = metricNameProblem(name, maxLength);
  if (problem !== undefined) throw invalidArgument(field, name, problem);
  return name;
}

/** The checks of a ReportObservationLog request before its logs, in this order. */
export function checkReportHead(
  trialName: string,
  hasObservationLog: boolean,
  count: number,
  limits: RequestLimits = DEFAULT_LIMITS,
): void {
  checkName('trial_name', trialName, limits.maxNameLength);
  if (!hasObservationLog) throw invalidArgument('observation_log', undefined, 'is required');
  const max = limits.maxMetricLogsPerRequest;
  if (count > max) {
    throw new KatibError(
      'resource_exhausted',
      `observation_log.metric_logs: ${count} metric logs exceed the limit of ${max} per request; send them in smaller batches`,
      { field: 'observation_log.metric_logs' },
    );
  }
}

/**
 * Checks the metric logs of one ReportObservationLog request, one at a time in order, and turns
 * each into a store row, or throws a KatibError naming the field (metric, then its name, value,
 * time stamp). An empty time stamp means `now`, one instant for the whole request (Katib
 * silently drops such logs). Batches repeat names and time stamps: the last ones are kept.
 */
export class MetricLogChecker {
  readonly #now: () => EpochMicros;
  readonly #maxNameLength: number;
  #lastName: string | undefined;
  #lastStamp = '';
  #lastTime = 0;
  #nowTime: EpochMicros | undefined;
  readonly #stamps = new StampCache();

  constructor(now: () => EpochMicros, maxNameLength = DEFAULT_LIMITS.maxNameLength) {
    this.#now = now;
    this.#maxNameLength = maxNameLength;
  }

  check(index: number, hasMetric: boolean, name: string, value: string, stamp: string): MetricLog {
    if (!hasMetric)
      throw invalidArgument(`observation_log.metric_logs[${index}].metric`, undefined, 'is required');
    if (name !== this.#lastName) {
      this.#lastName = checkName(
        `observation_log.metric_logs[${index}].metric.name`,
        name,
        this.#maxNameLength,
      );
    }
    checkValue(`observation_log.metric_logs[${index}].metric.value`, value);
    let time: EpochMicros;
    if (stamp === this.#lastStamp && stamp !== '') time = this.#lastTime;
    else if (stamp === '') time = this.#nowTime ??= this.#now();
    else {
      time = this.#stamps.parse(stamp, index);
      this.#lastStamp = stamp;
      this.#lastTime = time;
    }
    return { time, name, value };
  }
}

/**
 * RFC 3339 parsing for a batch whose stamps differ only in their fraction, as a trial's do
 * (`2026-01-02T03:04:05.123456Z`, one per point): the part up to the seconds changes once a
 * second, so its value is kept and only the fraction digits are read. Measured here, 2,000-log
 * requests: parseRfc3339 for every stamp was 0.3 us of the ~2.5 us of server CPU per point.
 * Anything else goes through parseRfc3339, whose result this equals.
 */
class StampCache {
  /** `2026-01-02T03:04:05.` of the last stamp parsed in full, or '' */
  #prefix = '';
  #base = 0;

  parse(stamp: string, index: number): EpochMicros {
    const length = stamp.length;
    const prefix = this.#prefix;
    if (
      prefix !== '' &&
      length >= 22 &&
      length <= 30 &&
      stamp.charCodeAt(length - 1) === 90 &&
      stamp.startsWith(prefix)
    ) {
      let micros = 0;
      let digits = true;
      for (let k = 20; k < length - 1; k++) {
        const d = stamp.charCodeAt(k) - 48;
        if (d < 0 || d > 9) {
          digits = false;
          break;
        }
        if (k < 26) micros = micros * 10 + d;
      }
      if (digits) return this.#base + micros * FRACTION_SCALE[Math.min(length - 21, 6)]!;
    }
    const time = parseRfc3339(stamp, `observation_log.metric_logs[${index}].time_stamp`);
    if (length >= 22 && stamp.charCodeAt(19) === 46 && stamp.charCodeAt(length - 1) === 90) {
      const base = tryParseRfc3339(`${stamp.slice(0, 19)}Z`);
      if (base !== undefined) {
        this.#prefix = stamp.slice(0, 20);
        this.#base = base;
      }
    }
    return time;
  }
}

/** Microseconds per unit of the fraction's last digit, by number of digits read (at most 6). */
const FRACTION_SCALE = [0, 100_000, 10_000, 1_000, 100, 10, 1];
