/**
 * Push injection for a trial that runs as a local process: inline code in its command is
 * rewritten in the command, a script file it names is rewritten into a copy in the trial's folder
 * (run in its place, looking like the original to imports and path lookups), and the runtime shims
 * catch whatever Python or Node code the rewriting did not reach. A program in another language
 * falls back to reading metrics from its output (pull), with a notice saying so.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { KatibError } from '../api/errors.js';
import type { MetricsCollectorSpec, ObjectiveSpec } from '../api/experiment.js';
import { classifyCommand } from './command.js';
import { nodeShimSource } from './javascript/node-shim.js';
import { launcherScript, startsPythonOrNode } from './launcher-script.js';
import { formatReport } from './report-text.js';
import { pythonInjectDir, type RewriteReport, rewriteSource } from './rewrite.js';
import { rewriteShellScript } from './shell-heredoc.js';

export interface LocalTrialInput {
  /** argv after template substitution and path resolution. */
  command: readonly string[];
  /** The trial's env so far: must hold KATIB_DB_MANAGER_HTTP_ADDRESS. */
  env: Readonly<Record<string, string>>;
  /** The trial's own folder: copies, the Node shim and injection.txt go under it. */
  trialDir: string;
  /** Where the process runs: relative script paths are read from there. */
  workingDir: string;
  collector: MetricsCollectorSpec;
  objective: Pick<ObjectiveSpec, 'objectiveMetricName' | 'additionalMetricNames'>;
}

export interface LocalTrialInjection {
  command: string[];
  env: Record<string, string>;
  /** Set when the trial's output is collected too (a program injection cannot reach). */
  pullCollector?: MetricsCollectorSpec;
  /** The notices alone (pull fallback, copies run, unreadable files), one line each, for a user. */
  notices: string[];
  /** What was done, for people (also written to <trialDir>/injection.txt). */
  summary: string;
}

const FOLDER = 'katib-injected';

/**
 * Injects push collection into a Push trial's command. Writes the copies, the Node shim and
 * injection.txt under `trialDir`. Throws FAILED_PRECONDITION when the DB manager has no HTTP
 * endpoint (the injected code pushes over it), and INVALID_ARGUMENT for a metrics filter that
 * does not compile.
 */
export function injectLocalTrial(input: LocalTrialInput): LocalTrialInjection {
  if (!input.env.KATIB_DB_MANAGER_HTTP_ADDRESS) {
    throw new KatibError(
      'failed_precondition',
      'metricsCollectorSpec.collector.kind: Push injection sends metrics to the DB manager over HTTP, and this DB manager has no HTTP endpoint',
    );
  }
  const metricNames = [input.objective.objectiveMetricName, ...(input.objective.additionalMetricNames ?? [])];
  const metricsFormat = input.collector.source?.filter?.metricsFormat;
  const rewriteOptions = { metricNames, ...(metricsFormat?.length ? { metricsFormat } : {}) };
  const command = [...input.command];
  const reports: RewriteReport[] = [];
  const notices: string[] = [];
  const folder = path.join(input.trialDir, FOLDER);
  // On even for code that pushes by itself: what its children print is captured too, and the DB
  // manager's once-only rule drops the captures of every metric the code pushes explicitly.
  let shims = true;
  let pull = false;
  const kind = classifyCommand(command);

  if (kind.kind === 'inline') {
    const code = command[kind.index]!.slice(kind.prefix.length);
    const result = rewriteSource(code, {
      ...rewriteOptions,
      language: kind.language,
      origin: `inline ${kind.language} code`,
    });
    reports.push(result.report);
    if (result.changed) command[kind.index] = kind.prefix + result.source;
  } else if (kind.kind === 'shell') {
    const script = command[kind.index]!;
    const result = rewriteShellScript(script, { ...rewriteOptions, origin: 'shell script' });
    reports.push(...result.reports);
    notices.push(...result.notices);
    if (result.changed) command[kind.index] = result.script;
    // A script that runs no Python or Node (no heredoc to rewrite, no interpreter the shims
    // reach) prints its metrics itself: read them from its output, as for other languages.
    // Not both at once: a shimmed interpreter's prints would be pushed and parsed, stored twice.
    if (result.reports.length === 0 && !/\b(?:python[\d.]*|node|nodejs|tsx|deno|bun)\b/.test(script)) {
      pull = true;
      shims = false;
      notices.push(
        'the shell script runs no Python or JavaScript, so its prints cannot be rewritten: the metrics it prints are read from its output (pull, as the StdOut collector does)',
      );
    }
  } else if (kind.kind === 'script') {
    const file = path.resolve(input.workingDir, command[kind.index]!);
    let source: string | undefined;
    try {
      source = readFileSync(file, 'utf8');
    } catch (err) {
      notices.push(
        `${file} cannot be read (${(err as Error).message}): the runtime shim pushes what it prints`,
      );
    }
    if (source !== undefined) {
      const copy = copyPlan(file, kind.language, folder);
      const result = rewriteSource(source, {
        ...rewriteOptions,
        language: kind.language,
        origin: file,
        jsx: /x$/.test(path.extname(file)),
        ...(kind.language === 'python' ? { standInFor: file } : { importMetaOf: file }),
        ...(copy.commonjs ? { preludeExtra: commonJsStandIn(file) } : {}),
      });
      reports.push(result.report);
      if (result.changed) {
        writeAtomically(copy.path, result.source);
        command[kind.index] = copy.path;
        if (kind.runtime === 'node' && !copy.commonjs)
          command.splice(kind.index, 0, `--import=${esmResolveHook(copy.path, file)}`);
        notices.push(`runs ${copy.path}, a rewritten copy of ${file}`);
      }
    }
  } else if (kind.kind === 'other') {
    const script = launcherScript(command, input.workingDir, input.env.PATH);
    if (script !== undefined && startsPythonOrNode(script)) {
      notices.push(
        `${kind.program} is not rewritten, but it runs Python or JavaScript: the runtime shims push what those print (what the script prints itself is not read)`,
      );
    } else {
      // Not both at once: a shimmed child's prints would be pushed and read, stored twice.
      pull = true;
      shims = false;
      notices.push(
        `${kind.program} is not Python or JavaScript, so its prints cannot be rewritten: the metrics it prints are read from its output (pull, as the StdOut collector does)`,
      );
    }
  }

  const env: Record<string, string> = {};
  if (shims) {
    mkdirSync(folder, { recursive: true });
    const preload = path.join(folder, 'node-preload.mjs');
    writeAtomically(preload, nodeShimSource());
    env.PYTHONPATH = [pythonInjectDir(), input.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
    env.NODE_OPTIONS = [input.env.NODE_OPTIONS, `--import=${pathToFileURL(preload).href}`]
      .filter(Boolean)
      .join(' ');
    env.KATIB_METRIC_NAMES = metricNames.join(',');
    if (metricsFormat?.length) env.KATIB_METRICS_FORMAT = JSON.stringify(metricsFormat);
  }
  const summary = [
    ...reports.map(formatReport),
    ...notices.map((n) => `notice: ${n}\n`),
    shims
      ? 'runtime shims on (PYTHONPATH sitecustomize, NODE_OPTIONS --import): metric lines printed at run time are pushed too\n'
      : '',
  ].join('');
  mkdirSync(input.trialDir, { recursive: true });
  writeFileSync(path.join(input.trialDir, 'injection.txt'), summary);
  return {
    command,
    env,
    ...(pull ? { pullCollector: { ...input.collector, collector: { kind: 'StdOut' } } } : {}),
    summary,
    notices,
  };
}

/** Where the copy of `file` goes, named so that Node reads it as the original's module kind. */
function copyPlan(file: string, language: string, folder: string): { path: string; commonjs: boolean } {
  const ext = path.extname(file);
  const base = path.basename(file, ext);
  if (language === 'python') return { path: path.join(folder, path.basename(file)), commonjs: false };
  const typescript = language === 'typescript';
  let esm: boolean;
  if (/^\.m[jt]s$/.test(ext)) esm = true;
  else if (/^\.c[jt]s$/.test(ext)) esm = false;
  else esm = packageType(path.dirname(file)) === 'module';
  const copyExt = typescript ? (esm ? '.mts' : '.cts') : esm ? '.mjs' : '.cjs';
  return { path: path.join(folder, base + copyExt), commonjs: !esm };
}

/** The `type` of the nearest package.json above `dir`, as Node looks it up. */
function packageType(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    const file = path.join(d, 'package.json');
    if (existsSync(file)) {
      try {
        return (JSON.parse(readFileSync(file, 'utf8')) as { type?: string }).type;
      } catch {
        return undefined;
      }
    }
    if (path.dirname(d) === d) return undefined;
  }
}

/** CommonJS: `require`, `__filename` and `__dirname` of the copy point back at the original. */
function commonJsStandIn(file: string): string {
  return (
    `require = require('node:module').createRequire(${JSON.stringify(file)}); ` +
    `__filename = ${JSON.stringify(file)}; __dirname = ${JSON.stringify(path.dirname(file))};\n`
  );
}

/** An ES module copy: its imports resolve as the original's would (a resolve hook, data: URL). */
function esmResolveHook(copy: string, original: string): string {
  const from = pathToFileURL(copy).href;
  const to = pathToFileURL(original).href;
  const hook = `export async function resolve(s, c, next) { return next(s, c.parentURL === ${JSON.stringify(from)} ? { ...c, parentURL: ${JSON.stringify(to)} } : c); }`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  return `data:text/javascript,${encodeURIComponent(register)}`;
}

function writeAtomically(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}
