import type { MetricPush } from './metric-match.js';
import type { Piece } from './template.js';

export type SourceLanguage = 'python' | 'javascript' | 'typescript';

/** One statement (or call) in the source that prints, as a language's extractor found it. */
export interface PrintSite {
  /** The range a rewrite replaces, UTF-16 offsets into the source. */
  start: number;
  end: number;
  /** 1-based line of `start`. */
  line: number;
  /** The call as written (for reports). */
  statement: string;
  /** What it prints, or why that cannot be known from the code. */
  extracted: { pieces: Piece[] } | { problem: string };
  /**
   * Code that pushes `metrics` and then prints `remaining` (nothing when undefined), for the
   * range [start, end); undefined when the remaining text cannot be written back in this
   * language (the reason is then `rebuildProblem`).
   */
  rebuild(metrics: readonly MetricPush[], remaining: readonly Piece[] | undefined): string | undefined;
}

/** What an extractor found in one source text. */
export interface Extraction {
  sites: PrintSite[];
  /** Offset where the push client's definition goes (after docstrings, __future__, hashbang). */
  preludeAt: number;
  /** Set when the code already pushes metrics itself (it is then left alone). */
  pushesAlready?: string;
  /** Set when the code was already rewritten by katib inject. */
  injectedAlready?: boolean;
  /** Set when the code does not parse as a whole (statements that do parse are still used). */
  syntaxError?: string;
  /** JavaScript: where `import.meta.url`, `.filename` and `.dirname` are read. */
  importMeta?: { start: number; end: number; property: 'url' | 'filename' | 'dirname' }[];
}

/** The name the injected push client goes by in rewritten code. */
export const PUSH_NAME = { python: '_katib_push', javascript: '__katibPush' } as const;

/** The comment that opens the injected client: how already rewritten code is recognised. */
export const PRELUDE_MARK = 'katib-ts push client (added by katib inject';

/** Pads `code` (ending in `)`) with newlines before that parenthesis to span `lines` lines. */
export function keepLineCount(code: string, original: string): string {
  const want = original.split('\n').length - 1;
  const have = code.split('\n').length - 1;
  if (want <= have || !code.endsWith(')')) return code;
  return `${code.slice(0, -1)}${'\n'.repeat(want - have)})`;
}

/** 1-based line number of `offset` in `source`. */
export function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let i = source.indexOf('\n'); i >= 0 && i < offset; i = source.indexOf('\n', i + 1)) line++;
  return line;
}
