import { invalidArgument } from '../api/errors.js';
import { isReportedMetricValue } from '../api/metric-value.js';
import type { MetricLog } from '../api/observation.js';
import { type EpochMicros, tryParseRfc3339 } from '../api/time.js';
import { DEFAULT_METRICS_FORMAT, defaultFilterSticky, matchDefaultFilter } from './default-filter.js';
import type { MetricLineParser } from './line-parser.js';
import type { ParseProblems } from './parse-problems.js';

const FORMAT_FIELD = 'metricsCollectorSpec.source.filter.metricsFormat';

/**
 * Compiles `metricsFormat` (Katib's filter list; empty or missing means the default filter).
 * The filters are Go (RE2) expressions; the common Go-only spellings are translated: named
 * groups `(?P<name>...)`, and leading flags `(?i)`, `(?s)`, `(?m)`. Throws INVALID_ARGUMENT naming
 * the filter when it does not compile or has fewer than two capture groups. A custom filter runs
 * on a backtracking engine: one written so that it backtracks badly costs CPU on long lines.
 */
export function compileMetricsFormat(metricsFormat: readonly string[] | undefined): RegExp[] {
  const formats = metricsFormat && metricsFormat.length > 0 ? metricsFormat : [DEFAULT_METRICS_FORMAT];
  return formats.map((format, i) => {
    const field = `${FORMAT_FIELD}[${i}]`;
    if (typeof format !== 'string' || format === '') {
      throw invalidArgument(field, format, 'must be a non-empty regular expression');
    }
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
    if (groups < 2) {
      throw invalidArgument(field, format, 'must have two capture groups: the metric name, then its value');
    }
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
  return new TextParser(metricNames, compileMetricsFormat(metricsFormat));
}

class TextParser implements MetricLineParser {
  private readonly wanted: Set<string>;
  private readonly sticky = defaultFilterSticky();
  // The line being parsed, for `found` (bound once: no closure per line on the hot path).
  private line = '';
  private time = 0;
  private out: MetricLog[] = [];
  private problems: ParseProblems | undefined;

  constructor(
    private readonly metricNames: readonly string[],
    private readonly filters: readonly RegExp[],
  ) {
    this.wanted = new Set(metricNames);
  }

  parse(line: string, readAt: EpochMicros, out: MetricLog[], problems: ParseProblems): void {
    // A name that group 1 captures is a substring of the line: skip lines naming no metric.
    if (!this.metricNames.some((name) => line.includes(name))) return;
    this.line = line;
    this.time = lineTime(line) ?? readAt;
    this.out = out;
    this.problems = problems;
    for (const filter of this.filters) {
      if (filter.source === DEFAULT_METRICS_FORMAT && filter.flags === 'g')
        matchDefaultFilter(line, this.sticky, this.found);
      else for (const match of line.matchAll(filter)) this.found(match[1], match[2]);
    }
    this.out = [];
    this.problems = undefined;
  }

  private readonly found = (rawName: string | undefined, rawValue: string | undefined): void => {
    const name = rawName?.trim();
    if (name === undefined || !this.wanted.has(name)) return;
    const value = (rawValue ?? '').trim();
    // A value is kept when a push client would send it (src/api/metric-value.ts).
    if (!isReportedMetricValue(value)) {
      const reason = `metric ${JSON.stringify(name)}: value ${JSON.stringify(value)} is not a number`;
      this.problems?.add(this.line, reason, false);
      return;
    }
    this.out.push({ time: this.time, name, value });
  };
}

function lineTime(line: string): EpochMicros | undefined {
  const space = line.indexOf(' ');
  if (space < 20) return undefined; // shortest RFC 3339: 2006-01-02T15:04:05Z (20 chars)
  const c = line.charCodeAt(0);
  if (c < 48 || c > 57) return undefined;
  return tryParseRfc3339(line.slice(0, space));
}
