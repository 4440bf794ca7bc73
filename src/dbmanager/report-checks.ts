import { invalidArgument, KatibError } from '../api/errors.js';
import { type MetricLog, UNAVAILABLE_VALUE } from '../api/observation.js';
import { type EpochMicros, parseRfc3339, tryParseRfc3339 } from '../api/time.js';
import { DEFAULT_LIMITS, MAX_VALUE_LENGTH, type RequestLimits } from './limits.js';

// Decimal or exponent notation, and the spellings of NaN and infinities that Python (`nan`,
// `inf`), Go (`NaN`, `+Inf`) and JavaScript (`Infinity`) print.
const METRIC_VALUE = /^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?|nan|inf(?:inity)?)$/i;
const VALUE_RULE = `must be a number (e.g. 0.93, -1e-3, nan, inf) or "${UNAVAILABLE_VALUE}"`;

// NUL is refused by PostgreSQL text columns, lone surrogates by every UTF-8 column: both would
// otherwise surface as database faults instead of bad input.
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this looks for
const UNSTORABLE = /[\u0000\p{Cs}]/u;

/** Whether `value` may be stored as a metric value (a number's spelling, or "unavailable"). */
export function checkValue(field: string, value: string): void {
  if (value !== UNAVAILABLE_VALUE && (value.length > MAX_VALUE_LENGTH || !METRIC_VALUE.test(value))) {
    throw invalidArgument(field, value, VALUE_RULE);
  }
}

/**
 * A name column: non-empty, at most `maxLength` characters (255, Katib's column, unless a lower
 * cap is configured), storable in every dialect.
 */
export function checkName(field: string, name: string, maxLength = DEFAULT_LIMITS.maxNameLength): string {
  if (name === '') throw invalidArgument(field, name, 'must not be empty');
  // Code units >= code points, so only a long string needs counting.
  if (name.length > maxLength) {
    const length = countCodePoints(name);
    if (length > maxLength) {
      throw invalidArgument(field, name, `must be at most ${maxLength} characters (has ${length})`);
    }
  }
  if (UNSTORABLE.test(name)) {
    throw invalidArgument(field, name, 'must not contain NUL characters or unpaired UTF-16 surrogates');
  }
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

function countCodePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
