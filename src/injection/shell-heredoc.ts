/**
 * Code in heredocs of a shell script (`sh -c`): `python3 - <<EOF`, `cat > train.py <<'EOF'`, and
 * Katib's Python SDK form (`read -r -d '' SCRIPT << EOM` ... `printf "%s" "$SCRIPT" > x.py`). Each
 * body whose language the script shows is rewritten with rewriteSource. Uses tree-sitter-bash.
 */
import path from 'node:path';
import { type SyntaxNode, withSyntaxTree } from './parsers.js';
import type { SourceLanguage } from './print-site.js';
import { type Embedding, type RewriteReport, rewriteSource } from './rewrite.js';

export interface ShellRewrite {
  script: string;
  changed: boolean;
  reports: RewriteReport[];
  notices: string[];
}

interface Heredoc {
  start: number;
  end: number;
  body: string;
  quoted: boolean;
  language: SourceLanguage | undefined;
  line: number;
  stripsTabs: boolean;
}

/** In an unquoted heredoc the shell expands `$`, backquotes and backslashes. */
const UNQUOTED_HEREDOC: Embedding = {
  escape: (code) => code.replace(/[\\$`]/g, '\\$&'),
  untouchable: /[\\$`]/,
  reason: 'uses $, ` or \\ inside an unquoted heredoc, which the shell changes before the code runs',
};

/** Chains embeddings, innermost first (heredoc in a shell script in a Pod command). */
export function within(inner: Embedding, outer: Embedding | undefined): Embedding {
  if (!outer) return inner;
  return {
    escape: (code) => outer.escape(inner.escape(code)),
    untouchable: new RegExp(`${inner.untouchable.source}|${outer.untouchable.source}`),
    reason: `${inner.reason}; or ${outer.reason}`,
  };
}

/** Rewrites the heredocs of `script` that hold Python, JavaScript or TypeScript. */
export function rewriteShellScript(
  script: string,
  options: {
    metricNames: readonly string[];
    metricsFormat?: readonly string[];
    embedding?: Embedding;
    origin: string;
  },
): ShellRewrite {
  const heredocs = withSyntaxTree('bash', script, (root) =>
    root.descendantsOfType('heredoc_redirect').flatMap((h) => (h ? [readHeredoc(h, root)] : [])),
  );
  const out: ShellRewrite = { script, changed: false, reports: [], notices: [] };
  const edits: { start: number; end: number; text: string }[] = [];
  for (const h of heredocs) {
    const where = `${options.origin}, heredoc at line ${h.line}`;
    if (!h.language) continue;
    if (h.stripsTabs) {
      out.notices.push(`${where}: not rewritten: <<- strips leading tabs from the code`);
      continue;
    }
    const embedding = h.quoted ? options.embedding : within(UNQUOTED_HEREDOC, options.embedding);
    const result = rewriteSource(h.body, {
      language: h.language,
      metricNames: options.metricNames,
      ...(options.metricsFormat ? { metricsFormat: options.metricsFormat } : {}),
      origin: where,
      ...(embedding ? { embedding } : {}),
    });
    out.reports.push(result.report);
    if (result.changed) edits.push({ start: h.start, end: h.end, text: result.source });
  }
  for (const e of edits.sort((a, b) => b.start - a.start)) {
    out.script = out.script.slice(0, e.start) + e.text + out.script.slice(e.end);
  }
  out.changed = edits.length > 0;
  return out;
}

function readHeredoc(node: SyntaxNode, root: SyntaxNode): Heredoc {
  const body = node.children.find((c) => c?.type === 'heredoc_body');
  const startWord = node.children.find((c) => c?.type === 'heredoc_start')?.text ?? '';
  const statement = node.parent?.type === 'redirected_statement' ? node.parent : undefined;
  return {
    start: body?.startIndex ?? node.endIndex,
    end: body?.endIndex ?? node.endIndex,
    body: body?.text ?? '',
    quoted: /['"\\]/.test(startWord),
    language: statement && body ? languageOf(statement, root) : undefined,
    line: node.startPosition.row + 1,
    stripsTabs: node.children.some((c) => c?.type === '<<-'),
  };
}

function languageOf(statement: SyntaxNode, root: SyntaxNode): SourceLanguage | undefined {
  const command = statement.namedChildren.find((c) => c?.type === 'command');
  const name = path.basename(command?.childForFieldName('name')?.text ?? '');
  if (/^(python|pypy)(\d+(\.\d+)*)?$/.test(name)) return 'python';
  if (name === 'node' || name === 'nodejs') return 'javascript';
  if (name === 'tsx' || name === 'ts-node') return 'typescript';
  const target = destination(statement);
  if (target) return byExtension(target);
  const args = command?.namedChildren.filter((c) => c !== null && c.type !== 'command_name') ?? [];
  if (name === 'tee') return args.map((a) => byExtension(a!.text)).find(Boolean);
  if (name === 'read') {
    const variable = args.at(-1)?.text;
    if (!variable || !/^[A-Za-z_]\w*$/.test(variable)) return undefined;
    for (const other of root.descendantsOfType('redirected_statement')) {
      const uses = other?.namedChildren.some(
        (c) => c?.type !== 'file_redirect' && new RegExp(`\\$\\{?${variable}\\b`).test(c?.text ?? ''),
      );
      const to = uses && other ? destination(other) : undefined;
      if (to) return byExtension(to);
    }
  }
  return undefined;
}

function destination(statement: SyntaxNode): string | undefined {
  const redirect = statement.namedChildren.find((c) => c?.type === 'file_redirect' && /^\s*>/.test(c.text));
  const to = redirect?.childForFieldName('destination') ?? redirect?.namedChildren.at(-1);
  return to?.text.replace(/["']/g, '');
}

function byExtension(file: string): SourceLanguage | undefined {
  if (/\.py$/.test(file)) return 'python';
  if (/\.(m|c)?jsx?$/.test(file)) return 'javascript';
  if (/\.(m|c)?tsx?$/.test(file)) return 'typescript';
  return undefined;
}
