/**
 * The program a trial runs for a function (or module) objective: an ES module, given to
 * `node --input-type=module --eval`, so the stored experiment carries everything a trial needs
 * (as Katib's SDK carries a Python function in `python3 -c`), including across restarts and on a
 * `katib server`. It reads the assignments from the environment, calls the objective, and delivers
 * what it returns by the collector kind: pushed with reportMetrics (Push), printed as `name=value`
 * lines (StdOut), or appended to the metrics file (File). It ends the process when the objective
 * settles: exit 0, or exit 1 with the error as the last line of stderr (the trial's Failed message).
 */

/** What the generated program needs to know besides the objective itself. */
export interface ObjectiveProgram {
  /** Parameter names in order: parameter i arrives in env `KATIB_PARAMETER_<i>`. */
  parameters: readonly { name: string; numeric: boolean }[];
  collector: 'Push' | 'StdOut' | 'File';
  /** The metric a number returned by the objective is reported as. */
  objectiveMetricName: string;
  /** File collector: the metrics file (relative to the trial's folder) and its format. */
  file?: { path: string; format: 'TEXT' | 'JSON' };
  /** File URL of `katib-ts/report`, imported by absolute URL (no resolution needed). */
  reportUrl: string;
  /**
   * The function's source (`fn.toString()`) with the file URL its `import()`s resolve from; or a
   * module (file URL) and the name of its export.
   */
  objective: { source: string; resolveFrom: string } | { moduleUrl: string; exportName: string };
}

export const PARAMETER_ENV_PREFIX = 'KATIB_PARAMETER_';

/**
 * The resolve hook that makes `import()` inside a function objective resolve from the caller's
 * file instead of the trial's working directory (where `--eval` code resolves from). Registered
 * only when the source contains `import(`: the hooks thread costs ~50-100 ms per trial (measured
 * on this 2-core machine under load: 360-380 ms vs 270-285 ms for a trial that imports two
 * packages), which a function that imports nothing should not pay.
 */
const RESOLVE_HOOK = `let from, self;
export function initialize(data) { from = data.from; self = data.self; }
export function resolve(specifier, context, next) {
  return next(specifier, context.parentURL === self ? { ...context, parentURL: from } : context);
}`;

/** The ES module source a trial evaluates. */
export function objectiveProgram(p: ObjectiveProgram): string {
  const settings = {
    parameters: p.parameters,
    collector: p.collector,
    metric: p.objectiveMetricName,
    file: p.file ?? null,
    reportUrl: p.reportUrl,
  };
  const lines = [
    '// katib-ts: a tune() objective, run once per trial (generated; see docs/sdk.md)',
    // tsx/esbuild (keepNames) inserts __name(fn, "name") calls into functions it compiles.
    'const __name = (target, value) => Object.defineProperty(target, "name", { value, configurable: true });',
  ];
  const o = p.objective;
  if ('source' in o) {
    if (/\bimport\s*\(/.test(o.source)) {
      lines.push(
        `(await import("node:module")).register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`)}, { data: { from: ${JSON.stringify(o.resolveFrom)}, self: import.meta.url } });`,
      );
    }
    lines.push(`const __katibObjective = (\n${o.source}\n);`);
  } else {
    lines.push(
      `const __katibObjective = (await import(${JSON.stringify(o.moduleUrl)}))[${JSON.stringify(o.exportName)}];`,
    );
  }
  lines.push(`await (${runner.toString()})(__katibObjective, ${JSON.stringify(settings)});`);
  return `${lines.join('\n')}\n`;
}

type Settings = {
  parameters: { name: string; numeric: boolean }[];
  collector: 'Push' | 'StdOut' | 'File';
  metric: string;
  file: { path: string; format: 'TEXT' | 'JSON' } | null;
  reportUrl: string;
};

/**
 * Runs inside the trial, serialised with toString(): it may use only its arguments, globals and
 * `import()` of node: modules and absolute URLs.
 */
async function runner(objective: unknown, s: Settings): Promise<void> {
  const show = (v: unknown): string => {
    let text: string;
    try {
      text = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
    } catch {
      text = String(v);
    }
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  };
  const fail = (err: unknown): never => {
    if (err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    const message = err instanceof Error ? `${err.name}: ${err.message}` : show(err);
    process.stderr.write(`katib-ts: the objective failed: ${message}\n`);
    process.exit(1);
  };
  try {
    if (typeof objective !== 'function')
      throw new TypeError(`the objective is ${show(objective)}, not a function`);
    const params: Record<string, number | string> = {};
    s.parameters.forEach((p, i) => {
      const raw = process.env[`KATIB_PARAMETER_${i}`] ?? '';
      params[p.name] = p.numeric ? Number(raw) : raw;
    });
    const result: unknown = await objective(params);
    let metrics: Record<string, unknown> | undefined;
    if (result === undefined || result === null) metrics = undefined;
    else if (typeof result === 'number' || typeof result === 'string') metrics = { [s.metric]: result };
    else if (typeof result === 'object' && !Array.isArray(result))
      metrics = result as Record<string, unknown>;
    else
      throw new TypeError(
        `the objective returned ${show(result)}: expected a number, a record of metric name -> number, or nothing`,
      );
    if (metrics !== undefined && Object.keys(metrics).length > 0) {
      if (s.collector === 'Push') {
        const { reportMetrics } = await import(s.reportUrl);
        await reportMetrics(metrics);
      } else {
        const numeric = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
        for (const [name, value] of Object.entries(metrics)) {
          const ok =
            (typeof value === 'number' && Number.isFinite(value)) ||
            // src/api/metric-value.ts's sent rule, less infinities (Katib's filter cannot read them).
            (typeof value === 'string' &&
              value.length <= 1024 &&
              numeric.test(value) &&
              Number.isFinite(Number(value)));
          if (!ok)
            throw new TypeError(
              `metrics.${name}: ${show(value)} is not a number or a numeric string (the objective's return value)`,
            );
        }
        if (s.collector === 'StdOut') {
          for (const [name, value] of Object.entries(metrics)) process.stdout.write(`${name}=${value}\n`);
        } else if (s.file !== null) {
          const { appendFileSync } = await import('node:fs');
          const text =
            s.file.format === 'JSON'
              ? `${JSON.stringify(metrics)}\n`
              : Object.entries(metrics)
                  .map(([name, value]) => `${name}=${value}\n`)
                  .join('');
          appendFileSync(s.file.path, text);
        }
      }
    }
  } catch (err) {
    fail(err);
  }
  process.exit(0);
}
