/** Katib's default TEXT filter: group 1 is the metric name, group 2 its value. */
export const DEFAULT_METRICS_FORMAT = '([\\w|-]+)\\s*=\\s*([+-]?\\d*(\\.\\d+)?([Ee][+-]?\\d+)?)';

/**
 * The matches of the default filter on `line`, the same as `line.matchAll(/DEFAULT/g)`, found in
 * linear time. Go's RE2 runs the filter in linear time; a backtracking engine does not: on a
 * long word with no `=` after it, it retries from every letter, which made a flood of
 * ordinary log lines 20 times slower. Every match contains an `=`, and its name is the run of
 * name characters just before that `=` (past optional spaces), starting no earlier than where
 * the previous match ended; the regex then runs anchored there.
 */
export function matchDefaultFilter(
  line: string,
  sticky: RegExp,
  found: (name: string, value: string) => void,
): void {
  let from = 0;
  for (;;) {
    const eq = line.indexOf('=', from);
    if (eq < 0) return;
    let start = eq;
    while (start > from && isSpace(line.charCodeAt(start - 1))) start--;
    const nameEnd = start;
    while (start > from && isNameChar(line.charCodeAt(start - 1))) start--;
    if (start === nameEnd) {
      from = eq + 1;
      continue;
    }
    sticky.lastIndex = start;
    const m = sticky.exec(line);
    if (!m) {
      from = eq + 1;
      continue;
    }
    found(m[1]!, m[2]!);
    from = sticky.lastIndex;
  }
}

/** A sticky copy of the default filter, for matchDefaultFilter (one per parser: it has state). */
export function defaultFilterSticky(): RegExp {
  return new RegExp(DEFAULT_METRICS_FORMAT, 'y');
}

// [\w|-]
function isNameChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 124 || c === 45
  );
}

// JavaScript's \s, as the regex uses it.
function isSpace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  if (c < 128) return false;
  return /\s/.test(String.fromCharCode(c));
}
