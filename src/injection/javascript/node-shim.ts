/**
 * The Node runtime shim (`node --import <file>`, e.g. through NODE_OPTIONS) for trials whose code
 * is not rewritten ahead of time, and the prelude that rewritten JavaScript starts with. Both are
 * source text assembled from self-contained functions (see push-client.ts, metric-spans.ts).
 */
import { compileSpanFilters, findMetricSpans, stripSpans } from '../metric-spans.js';
import { PRELUDE_MARK } from '../print-site.js';
import { katibPushClient } from './push-client.js';

interface ShimLibrary {
  findMetricSpans: typeof findMetricSpans;
  stripSpans: typeof stripSpans;
  compileSpanFilters: typeof compileSpanFilters;
  katibPushClient: typeof katibPushClient;
}

/**
 * Runs in the trial process. With KATIB_TRIAL_NAME and KATIB_METRIC_NAMES (comma-separated) set,
 * wraps process.stdout.write and process.stderr.write: each line is read with the metrics
 * filters (KATIB_METRICS_FORMAT, a JSON list; Katib's default when empty), the metrics found are
 * pushed at once and the rest of the line is written as it was (a line of only metrics is not
 * written). Self-contained: it runs from its source text.
 */
export function installNodeShim(lib: ShimLibrary): void {
  const names = (process.env.KATIB_METRIC_NAMES ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (names.length === 0 || !process.env.KATIB_TRIAL_NAME) return;
  let filters: RegExp[];
  try {
    filters = lib.compileSpanFilters(JSON.parse(process.env.KATIB_METRICS_FORMAT || '[]'));
  } catch (err) {
    process.stderr.write(`katib: KATIB_METRICS_FORMAT cannot be used (${err}): metrics are not pushed\n`);
    return;
  }
  const wanted = new Set(names);
  // src/api/metric-value.ts's rule for a value a client sends (test/cases/metric-values.json).
  const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
  const INFINITY = /^[+-]?inf(?:inity)?$/i;
  const isNumber = (t: string): boolean =>
    t.length <= 1024 && (DECIMAL.test(t) ? Number.isFinite(Number(t)) : INFINITY.test(t));
  const push = lib.katibPushClient();
  const take = (line: string): string | undefined => {
    if (!names.some((n) => line.includes(n))) return line;
    const spans = lib.findMetricSpans(line, filters).filter((s) => wanted.has(s.name) && isNumber(s.value));
    if (spans.length === 0) return line;
    push.report(...spans.flatMap((s) => [s.name, s.value]));
    return lib.stripSpans(line, spans);
  };
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (
      chunk: string | Uint8Array,
      cb?: (err?: Error) => void,
    ) => boolean;
    let pending = '';
    stream.write = ((chunk: unknown, encoding?: unknown, cb?: unknown): boolean => {
      const done = (typeof encoding === 'function' ? encoding : cb) as ((err?: Error) => void) | undefined;
      if (typeof chunk !== 'string') return (write as (...a: unknown[]) => boolean)(chunk, encoding, cb);
      pending += chunk;
      let out = '';
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const kept = take(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        if (kept !== undefined) out += `${kept}\n`;
      }
      if (
        pending &&
        (pending.includes('\r') || pending.length > 65536 || !names.some((n) => pending.includes(n)))
      ) {
        out += pending;
        pending = '';
      }
      if (out) return write(out, done);
      if (done) process.nextTick(done);
      return true;
    }) as typeof stream.write;
    process.on('exit', () => {
      const kept = pending ? take(pending) : undefined;
      pending = '';
      if (kept) write(kept);
      push.flushSync();
    });
  }
}

/** The ES module a Node trial preloads (`--import`): the shim with everything it uses. */
export function nodeShimSource(): string {
  return `${[
    '// katib-ts runtime shim for Node trials (generated; loaded with node --import): pushes the metrics',
    '// that the trial prints, as it prints them. See docs/injection.md.',
    'const __name = (target) => target;',
    String(findMetricSpans),
    String(stripSpans),
    String(compileSpanFilters),
    String(katibPushClient),
    `(${installNodeShim})({ findMetricSpans, stripSpans, compileSpanFilters, katibPushClient });`,
  ].join('\n\n')}\n`;
}

/** The push client's definition as it opens rewritten JavaScript or TypeScript. */
export function javascriptPrelude(): string {
  return [
    `// ${PRELUDE_MARK}: the metric prints below push to the DB manager)`,
    `const __katibPush = ((__name) => (${katibPushClient})())((target) => target);`,
    '// end of katib-ts push client',
    '',
  ].join('\n');
}
