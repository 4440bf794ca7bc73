import { isReportedMetricValue, parseMetricNumber } from '../api/metric-value.js';
import type { MetricLog } from '../api/observation.js';
import { type EpochMicros, tryParseRfc3339 } from '../api/time.js';
import type { MetricLineParser } from './line-parser.js';
import type { ParseProblems } from './parse-problems.js';

/** The key Katib reads a JSON line's time stamp from. */
export const TIMESTAMP_KEY = 'timestamp';

// Epoch seconds beyond this cannot be held as exact microseconds (2^53 us is past the year 2255).
const MAX_EPOCH_SECONDS = Number.MAX_SAFE_INTEGER / 1e6;

/**
 * Katib's JSON format: one object per line; `timestamp` is RFC 3339 or epoch seconds (a number or
 * a numeric string), and each wanted metric is a key whose value is a number or a numeric string.
 * Better than Katib: numbers count (Katib ignores them), and a line that is not a JSON object is
 * skipped and reported instead of failing the whole collection. A bad time stamp is reported and
 * the line gets the time it was read. Blank lines are ignored.
 */
export function createJsonParser(metricNames: readonly string[]): MetricLineParser {
  return {
    parse(line: string, readAt: EpochMicros, out: MetricLog[], problems: ParseProblems): void {
      if (line.trim() === '') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (err) {
        problems.add(line, `not JSON (${(err as Error).message})`, true);
        return;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        problems.add(line, 'not a JSON object', true);
        return;
      }
      const obj = parsed as Record<string, unknown>;
      let time = readAt;
      if (Object.hasOwn(obj, TIMESTAMP_KEY)) {
        const stamp = timeOf(obj[TIMESTAMP_KEY]);
        if (stamp === undefined) {
          problems.add(
            line,
            `${TIMESTAMP_KEY} is neither RFC 3339 nor epoch seconds; using the time the line was read`,
            false,
          );
        } else {
          time = stamp;
        }
      }
      for (const name of metricNames) {
        if (!Object.hasOwn(obj, name)) continue;
        const raw = obj[name];
        let value: string | undefined;
        if (typeof raw === 'number') value = Number.isFinite(raw) ? String(raw) : undefined;
        else if (typeof raw === 'string' && isReportedMetricValue(raw)) value = raw;
        if (value === undefined) {
          problems.add(line, `metric ${JSON.stringify(name)}: ${JSON.stringify(raw)} is not a number`, false);
          continue;
        }
        out.push({ time, name, value });
      }
    },
  };
}

function timeOf(stamp: unknown): EpochMicros | undefined {
  let seconds: number | undefined;
  if (typeof stamp === 'number') seconds = stamp;
  else if (typeof stamp === 'string') {
    const rfc = tryParseRfc3339(stamp);
    if (rfc !== undefined) return rfc;
    // Plain digits are converted exactly: 1700000000.123456 * 1e6 in floating point can be off by one.
    const plain = /^(\d{1,15})(?:\.(\d+))?$/.exec(stamp);
    if (plain) {
      const micros = Number(plain[1]) * 1e6 + Number((plain[2] ?? '').padEnd(6, '0').slice(0, 6));
      return Number.isSafeInteger(micros) ? micros : undefined;
    }
    seconds = parseMetricNumber(stamp);
  }
  if (seconds === undefined || !Number.isFinite(seconds) || Math.abs(seconds) > MAX_EPOCH_SECONDS)
    return undefined;
  return Math.round(seconds * 1e6);
}
