/**
 * Where metrics sit in a printed line, and what is left of the line once they are taken out.
 * These two functions are self-contained on purpose (no imports, no outer names): the Node
 * runtime shim carries their source text (`Function.prototype.toString`) into trial processes,
 * so the static rewriter and the shim apply the same rules.
 */

/** One `name=value` found by a metrics filter: the name, the value text and the match's span. */
export interface MetricSpan {
  name: string;
  value: string;
  /** Span of the whole match, [start, end) in the line. */
  start: number;
  end: number;
  /** Span of the name (group 1) and of the value (group 2). */
  nameStart: number;
  nameEnd: number;
  valueStart: number;
  valueEnd: number;
}

/**
 * Every match of every filter on `line` (filters are Katib metricsFormat expressions compiled
 * with the `gd` flags: group 1 the name, group 2 the value, both trimmed as Katib does), in line
 * order; overlapping matches of later filters are dropped. Names are not checked here.
 */
export function findMetricSpans(line: string, filters: readonly RegExp[]): MetricSpan[] {
  const spans: MetricSpan[] = [];
  for (const filter of filters) {
    for (const m of line.matchAll(filter)) {
      const at = m.indices;
      if (!at?.[0] || !at[1] || !at[2] || m[1] === undefined || m[2] === undefined) continue;
      const rawName = m[1];
      const rawValue = m[2];
      const nameLead = rawName.length - rawName.trimStart().length;
      const valueLead = rawValue.length - rawValue.trimStart().length;
      const span = {
        name: rawName.trim(),
        value: rawValue.trim(),
        start: at[0][0],
        end: at[0][1],
        nameStart: at[1][0] + nameLead,
        nameEnd: at[1][0] + nameLead + rawName.trim().length,
        valueStart: at[2][0] + valueLead,
        valueEnd: at[2][0] + valueLead + rawValue.trim().length,
      };
      if (span.end === span.start) continue;
      if (spans.some((s) => s.start < span.end && span.start < s.end)) continue;
      spans.push(span);
    }
  }
  return spans.sort((a, b) => a.start - b.start);
}

/**
 * `text` with the spans removed, tidied so that what was around a metric reads as it did: the
 * separator that followed it (`, ` `; ` ` | `) goes with it, or the one before it when it ended
 * its line; doubled spaces close up. Returns undefined when nothing but blanks and separators
 * would be left (the line printed only metrics and need not be printed at all). A trailing
 * newline is kept when there is something left to print.
 */
export function stripSpans(
  text: string,
  spans: readonly { start: number; end: number }[],
): string | undefined {
  const sorted = [...spans].sort((a, b) => b.start - a.start);
  let out = text;
  for (const { start, end } of sorted) {
    let left = out.slice(0, start);
    let right = out.slice(end);
    const separator = /^[ \t]*[,;|][ \t]*/.exec(right);
    const lineStart = left === '' || /\n[ \t]*$/.test(left) || /^[ \t]*$/.test(left);
    if (separator && !/^[ \t]*[,;|][ \t]*(\n|$)/.test(right)) {
      right = right.slice(separator[0].length);
    } else if (/^[ \t]*[,;|]?[ \t]*(\r?\n|$)/.test(right)) {
      right = right.replace(/^[ \t]*[,;|]?[ \t]*/, '');
      left = left.replace(/[ \t]*[,;|]?[ \t]*$/, '');
    } else if (lineStart) {
      right = right.replace(/^[ \t]+/, '');
    } else if (/[ \t]$/.test(left)) {
      right = right.replace(/^[ \t]+/, '');
    }
    out = left + right;
  }
  if (/^[\s,;:|.\-=]*$/.test(out)) return undefined;
  return out;
}

/**
 * Compiles Katib metricsFormat filters for findMetricSpans (flags `gd`), translating the Go
 * spellings Katib users write: named groups `(?P<name>...)` and leading flags `(?i)` etc. An
 * empty list means Katib's default filter. Throws a plain Error naming the filter that does not
 * compile.
 */
export function compileSpanFilters(formats: readonly string[] | undefined): RegExp[] {
  const list =
    formats && formats.length > 0 ? formats : ['([\\w|-]+)\\s*=\\s*([+-]?\\d*(\\.\\d+)?([Ee][+-]?\\d+)?)'];
  return list.map((format) => {
    let source = format.replaceAll('(?P<', '(?<');
    let flags = 'gd';
    const lead = /^\(\?([ims]+)\)/.exec(source);
    if (lead) {
      for (const f of new Set(lead[1])) flags += f;
      source = source.slice(lead[0].length);
    }
    try {
      return new RegExp(source, flags);
    } catch (err) {
      throw new Error(`metrics format ${JSON.stringify(format)} is not a valid regular expression: ${err}`);
    }
  });
}
