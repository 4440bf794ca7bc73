/**
 * Katib's metricsFormat filters are Go (RE2) regular expressions whose first capture group is
 * the metric name and second the value. The forms RE2 and JavaScript spell differently and that
 * Katib users write are translated: named groups `(?P<name>...)` and leading flags `(?i)`,
 * `(?s)`, `(?m)`; everything else is taken as JavaScript syntax. The collector's text parser
 * (src/collector/text-parser.ts) compiles filters by the same rules; this copy only judges them,
 * so that every bad filter is reported with the experiment's other problems.
 */

export type CompiledMetricsFormat =
  | { ok: true; regex: RegExp; groups: number }
  | { ok: false; error: string };

/**
 * Compiles one metricsFormat entry. The RegExp has the `g` flag (every match on a line counts,
 * as in Katib): use it with `String.prototype.matchAll`. Valid filters have at least two capture
 * groups (Katib's rule: name, then value; later groups are free).
 */
export function compileMetricsFormat(source: string): CompiledMetricsFormat {
  let body = source;
  let flags = 'g';
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(body);
  if (lead !== null) {
    for (const f of lead[1]!) {
      if (f !== 'i' && f !== 's' && f !== 'm')
        return { ok: false, error: `the flag (?${f}) is not supported` };
      if (!flags.includes(f)) flags += f;
    }
    body = body.slice(lead[0].length);
  }
  body = body.replaceAll('(?P<', '(?<');
  let regex: RegExp;
  try {
    regex = new RegExp(body, flags);
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  // An alternative that matches the empty string reveals how many groups the pattern has.
  const groups = new RegExp(`${body}|`).exec('')!.length - 1;
  if (groups < 2) {
    return {
      ok: false,
      error: `has ${groups} capture group${groups === 1 ? '' : 's'}, needs 2: metric name, then value`,
    };
  }
  return { ok: true, regex, groups };
}
