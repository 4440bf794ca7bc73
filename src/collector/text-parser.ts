import { invalidArgument } from '../api/errors.js';
import type { MetricLog } from '../api/observation.js';
import { type EpochMicros, tryParseRfc3339 } from '../api/time.js';
import type { MetricLineParser } from './line-parser.js';
import { parseMetricNumber } from './metric-number.js';
import type { ParseProblems } from './parse-problems.js';

/** Katib's default TEXT filter: group 1 is the metric name, group 2 its value. */
export const DEFAULT_METRICS_FORMAT = '([\\w|-]+)\\s*=\\s*([+-]?\\d*(\\.\\d+)?([Ee][+-]?\\d+)?)';

const FORMAT_FIELD = 'metricsCollectorSpec.source.filter.metricsFormat';

/**
 * Compiles `metricsFormat` (Katib's filter list; empty or missing means the default filter).
 * The filters are Go (RE2) expressions; the common Go-only spellings are translated: named
 * groups `(?P<name>...)`, and leading flags `(?i)`, `(?s)`, `(?m)`. Throws INVALID_ARGUMENT naming
 * the filter when it does not compile or has fewer than two capture groups.
 */
export function compileMetricsFormat(metricsFormat: readonly string[] | undefined): RegExp[] {
  const formats = metricsFormat && metricsFormat.length > 0 ? metricsFormat : [DEFAULT_METRICS_FORMAT];
  return formats.map((format, i) => {
    const field = `${FORMAT_FIELD}[${i}]`;
    if (typeof format !== 'string' || format === '')
      throw invalidArgument(field, format, 'must be a non-empty regular expression');
    let source = format.replaceAll('(?P<', '(?<');
    let flags = 'g';
    const lead = /^\(\?([ims]+)\)/.exec(source);
    if (lead) {
      flags += [...new Set(lead[1])].join('');
      source = source.slice(lead[0].length);
    }
    let re: RegExp;
    try {
      re = new RegExp(source, flags);
    } catch (err) {
      throw invalidArgument(field, format, `is not a valid regular expression (${(err as Error).message})`);
    }
    const groups = (new RegExp(`${source}|`, flags.replace('g', '')).exec('')?.length ?? 1) - 1;
    if (groups < 2)
      throw invalidArgument(field, format, 'must have two capture groups: the metric name, then its value');
    return re;
  });
}

/**
 * Katib's TEXT format: every match of every filter on a line is a point (group 1 the name, group 2
 * the value, both trimmed), kept when the name is one of `metricNames`. A line whose first
 * space-separated token is an RFC 3339 time stamp carries that time; other lines get the time they
 * were read. Unlike Katib, a value that is not a number (e.g. the empty value the default filter
 * matches in `loss=nan`) is not stored but reported as a problem.
 */
export function createTextParser(
  metricNames: readonly string[],
  metricsFormat?: readonly string[],
): MetricLineParser {
  const filters = compileMetricsFormat(metricsFormat);
  const wanted = new Set(metricNames);
  return {
    parse(line: string, readAt: EpochMicros, out: MetricLog[], problems: ParseProblems): void {
      // A name that groups 1 captures is a substring of the line: skip lines naming no metric.
      let mentions = false;
      for (const name of metricNames) {
        if (line.includes(name)) {
          mentions = true;
          break;
        }
      }
      if (!mentions) return;
      const time = lineTime(line) ?? readAt;
      for (const filter of filters) {
        for (const match of line.matchAll(filter)) {
          const name = match[1]?.trim();
          if (name === undefined || !wanted.has(name)) continue;
          const value = (match[2] ?? '').trim();
          if (parseMetricNumber(value) === undefined) {
            problems.add(
              line,
              `metric ${JSON.stringify(name)}: value ${JSON.stringify(value)} is not a number`,
              false,
            );
            continue;
          }
          out.push({ time, name, value });
        }
      }
    },
  };
}

function lineTime(line: string): EpochMicros | undefined {
  const space = line.indexOf(' ');
  if (space < 20) return undefined; // shortest RFC 3339: 2006-01-02T15:04:05Z (20 chars)
  const c = line.charCodeAt(0);
  if (c < 48 || c > 57) return undefined;
  return tryParseRfc3339(line.slice(0, space));
}
