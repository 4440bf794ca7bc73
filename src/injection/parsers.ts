/**
 * The tree-sitter grammars (Python, and Bash for `sh -c` scripts), loaded once when this module
 * is first imported: web-tree-sitter's loading is asynchronous while rewriting is called from
 * synchronous code (a trial's start), so the languages are awaited at module load (a few tens of
 * milliseconds, measured: 31 ms for both, then ~1 ms per parse of a 100-line script). The
 * loaded languages never change; each parse gets its own Parser and frees it (wasm memory).
 */
import { createRequire } from 'node:module';
import { Language, type Node, Parser } from 'web-tree-sitter';

export type { Node as SyntaxNode } from 'web-tree-sitter';

export type Grammar = 'python' | 'bash';

async function loadGrammars(): Promise<Record<Grammar, Language>> {
  const require = createRequire(import.meta.url);
  await Parser.init();
  const [python, bash] = await Promise.all([
    Language.load(require.resolve('tree-sitter-python/tree-sitter-python.wasm')),
    Language.load(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm')),
  ]);
  return { python, bash };
}

// A grammar that fails to load must not take the controller down with it: rewriting then
// reports the load error and trials fall back to the runtime shims.
const grammars: Record<Grammar, Language> | Error = await loadGrammars().catch((err: unknown) =>
  err instanceof Error ? err : new Error(String(err)),
);

/** Thrown when a grammar could not be loaded; the message says why. */
export class GrammarUnavailableError extends Error {}

/**
 * Parses `source` and hands the root node to `use`; the tree is freed when `use` returns, so
 * `use` must copy out what it needs (nodes are invalid afterwards). Indices are UTF-16 offsets
 * into `source`. Throws GrammarUnavailableError if the grammar did not load.
 */
export function withSyntaxTree<T>(grammar: Grammar, source: string, use: (root: Node) => T): T {
  if (grammars instanceof Error) {
    throw new GrammarUnavailableError(`the ${grammar} grammar could not be loaded: ${grammars.message}`);
  }
  const parser = new Parser();
  try {
    parser.setLanguage(grammars[grammar]);
    const tree = parser.parse(source);
    if (!tree) throw new GrammarUnavailableError(`the ${grammar} parser returned no tree`);
    try {
      return use(tree.rootNode);
    } finally {
      tree.delete();
    }
  } finally {
    parser.delete();
  }
}
