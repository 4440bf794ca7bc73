import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { invalidArgument } from '../api/errors.js';
import { extractJavaScript } from './javascript/extract.js';
import { javascriptPrelude } from './javascript/node-shim.js';
import { type MetricRules, matchPrint } from './metric-match.js';
import { compileSpanFilters } from './metric-spans.js';
import { GrammarUnavailableError } from './parsers.js';
import type { Extraction, SourceLanguage } from './print-site.js';
import { extractPython } from './python/extract.js';
import { pyString } from './python/strings.js';

/** Where rewritten code is embedded, when not in a file of its own (shell heredoc, Pod command). */
export interface Embedding {
  /** Escapes code the rewriter inserts so that the embedding passes it on unchanged. */
  escape(code: string): string;
  /** Statements whose text matches are left alone: the embedding would change them. */
  untouchable: RegExp;
  /** Why such a statement is left alone. */
  reason: string;
}

export interface RewriteOptions {
  language: SourceLanguage;
  /** The metric names to recognise: the objective metric and the additional metrics. */
  metricNames: readonly string[];
  /** Katib metricsFormat filters; empty or missing means Katib's default filter. */
  metricsFormat?: readonly string[];
  /** Names the code in the report: a file path, `python -c`, ... */
  origin?: string;
  /** JavaScript/TypeScript: the source uses JSX. */
  jsx?: boolean;
  embedding?: Embedding;
  /**
   * Python: the rewritten code runs as a copy in place of this file, so `__file__`,
   * `sys.argv[0]` and `sys.path[0]` are set back to it.
   */
  standInFor?: string;
  /** JavaScript/TypeScript: code to add after the push client (e.g. CommonJS `require` set back). */
  preludeExtra?: string;
  /**
   * JavaScript/TypeScript: the rewritten code runs as a copy in place of this file, so
   * `import.meta.url`, `.filename` and `.dirname` are replaced by the original's.
   */
  importMetaOf?: string;
}

export interface RewrittenPrint {
  line: number;
  statement: string;
  metrics: string[];
  replacement: string;
  /** Metric-like parts of the line left as they were. */
  notes: string[];
}

export interface UnrewrittenPrint {
  line: number;
  statement: string;
  reasons: string[];
}

export interface RewriteReport {
  origin: string;
  language: SourceLanguage;
  metricNames: string[];
  rewritten: RewrittenPrint[];
  notRewritten: UnrewrittenPrint[];
  /** About the code as a whole: left alone because it pushes itself, does not parse, ... */
  notices: string[];
}

export interface RewriteResult {
  source: string;
  changed: boolean;
  report: RewriteReport;
}

/**
 * Rewrites the statements of `source` that print the experiment's metrics into pushes (the
 * metrics) followed by prints of what else they printed, and adds the push client at the top.
 * Pure apart from reading the Python client's source shipped with the package. Throws
 * INVALID_ARGUMENT for no metric names or a filter that does not compile; code problems never
 * throw, they are in the report.
 */
export function rewriteSource(source: string, options: RewriteOptions): RewriteResult {
  const rules = metricRules(options.metricNames, options.metricsFormat);
  const report: RewriteReport = {
    origin: options.origin ?? '<source>',
    language: options.language,
    metricNames: [...rules.names],
    rewritten: [],
    notRewritten: [],
    notices: [],
  };
  const unchanged = (notice: string): RewriteResult => {
    report.notices.push(notice);
    return { source, changed: false, report };
  };
  let found: Extraction;
  try {
    found =
      options.language === 'python'
        ? extractPython(source)
        : extractJavaScript(source, options.language === 'typescript', options.jsx);
  } catch (err) {
    if (err instanceof GrammarUnavailableError) return unchanged(`not rewritten: ${err.message}`);
    throw err;
  }
  if (found.injectedAlready) return unchanged('left as it is: already rewritten by katib inject');
  if (found.pushesAlready)
    return unchanged(`left as it is: it pushes metrics itself (${found.pushesAlready})`);
  if (found.syntaxError)
    report.notices.push(
      `does not parse as a whole (${found.syntaxError}): only statements that parse are rewritten`,
    );

  const edits: { start: number; end: number; text: string }[] = [];
  const mentions = (s: string): boolean => [...rules.names].some((n) => s.includes(n));
  for (const site of [...found.sites].sort((a, b) => a.start - b.start)) {
    if (edits.some((e) => e.start <= site.start && site.end <= e.end)) continue;
    const leave = (reasons: string[]): void => {
      report.notRewritten.push({ line: site.line, statement: site.statement, reasons });
    };
    if ('problem' in site.extracted) {
      if (mentions(site.statement)) leave([site.extracted.problem]);
      continue;
    }
    const match = matchPrint(site.extracted.pieces, rules);
    if (match.kind === 'none') continue;
    if (match.kind === 'blocked') {
      leave(match.reasons);
      continue;
    }
    if (options.embedding?.untouchable.test(site.statement)) {
      leave([options.embedding.reason]);
      continue;
    }
    const code = site.rebuild(match.metrics, match.remaining);
    if (code === undefined) {
      leave([
        'what it prints besides the metrics cannot be written back as one string (quotes or backslashes in its fields)',
      ]);
      continue;
    }
    edits.push({
      start: site.start,
      end: site.end,
      text: options.embedding ? options.embedding.escape(code) : code,
    });
    report.rewritten.push({
      line: site.line,
      statement: site.statement,
      metrics: match.metrics.map((m) => m.name),
      replacement: code,
      notes: match.notes,
    });
  }
  if (edits.length === 0) {
    if (report.notRewritten.length === 0)
      report.notices.push(`no prints of ${[...rules.names].join(', ')} found`);
    return { source, changed: false, report };
  }
  if (options.importMetaOf !== undefined) {
    const file = path.resolve(options.importMetaOf);
    const values = { url: pathToFileURL(file).href, filename: file, dirname: path.dirname(file) };
    const inside = (m: { start: number; end: number }): boolean =>
      edits.some((e) => e.start <= m.start && m.end <= e.end);
    for (const m of (found.importMeta ?? []).filter((m) => !inside(m)))
      edits.push({ start: m.start, end: m.end, text: JSON.stringify(values[m.property]) });
  }
  let prelude =
    options.language === 'python'
      ? pythonPrelude(options.standInFor)
      : javascriptPrelude() + (options.preludeExtra ?? '');
  if (options.embedding) prelude = options.embedding.escape(prelude);
  edits.push({ start: found.preludeAt, end: found.preludeAt, text: prelude });
  if (options.language === 'typescript') {
    // The client is plain JavaScript: keep type checkers that run the copy (ts-node) quiet.
    const head = /^#!.*\n/.exec(source)?.[0].length ?? 0;
    edits.push({ start: head, end: head, text: '// @ts-nocheck\n' });
  }
  let out = source;
  for (const e of edits.sort((a, b) => b.start - a.start || b.end - a.end)) {
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  }
  return { source: out, changed: true, report };
}

/** Compiles the names and filters; INVALID_ARGUMENT for none or a filter that does not compile. */
export function metricRules(names: readonly string[], metricsFormat?: readonly string[]): MetricRules {
  const list = names.map((n) => n.trim()).filter(Boolean);
  if (list.length === 0) throw invalidArgument('metricNames', names, 'must name at least one metric');
  try {
    return { names: new Set(list), filters: compileSpanFilters(metricsFormat) };
  } catch (err) {
    throw invalidArgument(
      'metricsCollectorSpec.source.filter.metricsFormat',
      metricsFormat,
      (err as Error).message,
    );
  }
}

/** The folder of the Python shims and push client shipped with the package (python/katib_inject). */
export function pythonInjectDir(): string {
  return fileURLToPath(new URL('../../python/katib_inject', import.meta.url));
}

function pythonPrelude(standInFor: string | undefined): string {
  const client = readFileSync(path.join(pythonInjectDir(), 'katib_push_client.py'), 'utf8');
  const start = client.indexOf('# katib-ts push client');
  const endMark = '# end of katib-ts push client';
  const end = client.indexOf(endMark);
  let code = client.slice(start, end);
  if (standInFor !== undefined) {
    const original = pyString(standInFor);
    code +=
      `if _katib_sys.argv and _katib_sys.argv[0] == __file__:\n` +
      `    _katib_sys.argv[0] = ${original}\n` +
      `    _katib_sys.path[0] = ${pyString(path.dirname(standInFor))}\n` +
      `__file__ = ${original}\n`;
  }
  return `${code}${endMark}\n`;
}
