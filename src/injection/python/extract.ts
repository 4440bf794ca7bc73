/**
 * Finds the calls that print in Python source (tree-sitter-python): `print(...)`,
 * `sys.stdout.write(...)` / `sys.stderr.write(...)` and logging calls (`logging.info(...)`,
 * `logger.warning(...)`), and reads what each prints into pieces.
 */
import { type SyntaxNode, withSyntaxTree } from '../parsers.js';
import { type Extraction, keepLineCount, PRELUDE_MARK, type PrintSite, PUSH_NAME } from '../print-site.js';
import type { Piece } from '../template.js';
import { text } from '../template.js';
import {
  atom,
  converted,
  decodeEscapes,
  formatMethodPieces,
  formattedSlot,
  percentPieces,
  pyString,
  pyTextExpression,
} from './strings.js';

const LOG_METHODS = new Set(['debug', 'info', 'warning', 'warn', 'error', 'critical', 'exception', 'fatal']);
type Kind = 'print' | 'write' | 'log';

/** Every printing call in `source`, with where the push client would go. */
export function extractPython(source: string): Extraction {
  return withSyntaxTree('python', source, (root) => {
    const out: Extraction = { sites: [], preludeAt: preludeOffset(root, source) };
    if (source.includes(PRELUDE_MARK)) out.injectedAlready = true;
    if (root.hasError) out.syntaxError = `line ${firstError(root)}`;
    for (const imp of root.descendantsOfType(['import_statement', 'import_from_statement'])) {
      if (imp && /\bkatib_push\b/.test(imp.text))
        out.pushesAlready = `imports katib_push (line ${imp.startPosition.row + 1})`;
    }
    for (const call of root.descendantsOfType('call')) {
      if (!call) continue;
      const fn = call.childForFieldName('function');
      const fnText = fn?.text.replace(/\s+/g, '') ?? '';
      if (/(^|\.)report_metrics$/.test(fnText) && !out.pushesAlready)
        out.pushesAlready = `calls ${fnText} (line ${call.startPosition.row + 1})`;
      const kind = classify(fn);
      if (kind) out.sites.push(site(call, kind, fnText));
    }
    return out;
  });
}

function classify(fn: SyntaxNode | null): Kind | undefined {
  if (!fn) return undefined;
  if (fn.type === 'identifier' && fn.text === 'print') return 'print';
  if (fn.type !== 'attribute') return undefined;
  const name = fn.childForFieldName('attribute')?.text ?? '';
  const object = fn.childForFieldName('object');
  const objectText = object?.text.replace(/\s+/g, '') ?? '';
  if (name === 'write' && (objectText === 'sys.stdout' || objectText === 'sys.stderr')) return 'write';
  const lastName = objectText.split('.').at(-1) ?? '';
  if (LOG_METHODS.has(name) && (objectText === 'logging' || /log/i.test(lastName))) return 'log';
  return undefined;
}

function site(call: SyntaxNode, kind: Kind, callee: string): PrintSite {
  const statementLevel = call.parent?.type === 'expression_statement' && call.parent.namedChildCount === 1;
  const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter(
    (n): n is SyntaxNode => n !== null && n.type !== 'comment',
  );
  const kept: string[] = [];
  const extracted = call.hasError
    ? { problem: 'the statement does not parse' }
    : piecesOfCall(kind, args, kept);
  const original = call.text;
  return {
    start: call.startIndex,
    end: call.endIndex,
    line: call.startPosition.row + 1,
    statement: original,
    extracted: typeof extracted === 'string' ? { problem: extracted } : extracted,
    rebuild(metrics, remaining) {
      const push = `${PUSH_NAME.python}.report(${metrics.map((m) => `${pyString(m.name)}, ${m.value}`).join(', ')})`;
      let print: string | undefined;
      if (remaining) {
        const shown = pyTextExpression(remaining);
        if (shown === undefined) return undefined;
        print = `${callee === 'print' ? 'print' : callee}(${[shown, ...kept].join(', ')})`;
      }
      if (metrics.length === 0) return print;
      const code = statementLevel
        ? [push, print].filter(Boolean).join('; ')
        : print
          ? `(${push} or ${print})`
          : push;
      return keepLineCount(code, original);
    },
  };
}

/** The pieces a call prints; `kept` receives the keyword arguments to carry over. */
function piecesOfCall(kind: Kind, args: SyntaxNode[], kept: string[]): { pieces: Piece[] } | string {
  const positional = args.filter((a) => a.type !== 'keyword_argument');
  if (args.some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat'))
    return 'passes *args or **kwargs, known only at run time';
  if (kind === 'write') {
    if (positional.length !== 1) return 'write() takes one argument';
    const p = pieces(positional[0]!, false);
    return typeof p === 'string' ? p : { pieces: p };
  }
  for (const kw of args.filter((a) => a.type === 'keyword_argument')) {
    const name = kw.childForFieldName('name')?.text;
    const value = kw.childForFieldName('value');
    if (kind === 'print' && name === 'sep') continue;
    if (kind === 'print' && name === 'file') {
      const target = value?.text.replace(/\s+/g, '');
      if (target !== 'sys.stdout' && target !== 'sys.stderr' && target !== 'None')
        return `prints to ${value?.text}, not to stdout or stderr`;
    }
    kept.push(kw.text);
  }
  if (kind === 'log') {
    const [message, ...rest] = positional;
    if (!message) return 'logs no message';
    if (rest.length === 0) {
      const p = pieces(message, false);
      return typeof p === 'string' ? p : { pieces: p };
    }
    const format = literalText(message);
    if (format === undefined) return 'formats a message that is not a string literal';
    const p = percentPieces(format, rest.map(code));
    return typeof p === 'string' ? `its message ${p}` : { pieces: p };
  }
  const sepNode = args
    .find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'sep')
    ?.childForFieldName('value');
  const sep = sepNode ? (sepNode.type === 'none' ? ' ' : literalText(sepNode)) : ' ';
  if (sep === undefined) return 'uses a sep= known only at run time';
  const out: Piece[] = [];
  for (const [i, arg] of positional.entries()) {
    if (i > 0) out.push(text(sep));
    const p = pieces(arg, positional.length > 1);
    if (typeof p === 'string') return p;
    out.push(...p);
  }
  return { pieces: out };
}

/** What an expression shows when printed, as pieces; a string says why it cannot be known. */
function pieces(node: SyntaxNode, argument: boolean): Piece[] | string {
  switch (node.type) {
    case 'string':
      return stringPieces(node);
    case 'concatenated_string': {
      const out: Piece[] = [];
      for (const s of node.namedChildren) {
        if (s?.type !== 'string') continue;
        const p = stringPieces(s);
        if (typeof p === 'string') return p;
        out.push(...p);
      }
      return out;
    }
    case 'parenthesized_expression': {
      const inner = node.namedChildren.find((n) => n && n.type !== 'comment');
      return inner && stringy(inner) ? pieces(inner, argument) : [slotOf(node, argument)];
    }
    case 'binary_operator': {
      const op = node.childForFieldName('operator')?.type;
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      if (!left || !right) break;
      if (op === '%' && literalText(left) !== undefined) {
        const args =
          right.type === 'tuple'
            ? right.namedChildren.filter((n): n is SyntaxNode => n !== null && n.type !== 'comment')
            : [right];
        if (args.some((a) => a.type === 'list_splat')) return 'formats *args, known only at run time';
        const p = percentPieces(literalText(left)!, args.map(code));
        return typeof p === 'string' ? `its % format ${p}` : p;
      }
      if (op === '+' && (stringy(left) || stringy(right))) {
        const l = pieces(left, false);
        const r = pieces(right, false);
        if (typeof l === 'string') return l;
        if (typeof r === 'string') return r;
        return [...l, ...r];
      }
      break;
    }
    case 'call': {
      const fn = node.childForFieldName('function');
      const object = fn?.type === 'attribute' ? fn.childForFieldName('object') : null;
      if (
        fn?.childForFieldName('attribute')?.text === 'format' &&
        object &&
        literalText(object) !== undefined
      ) {
        const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter(
          (n): n is SyntaxNode => n !== null && n.type !== 'comment',
        );
        if (args.some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat'))
          return 'formats *args or **kwargs, known only at run time';
        const keywords = new Map<string, string>();
        for (const kw of args.filter((a) => a.type === 'keyword_argument'))
          keywords.set(kw.childForFieldName('name')?.text ?? '', code(kw.childForFieldName('value')!));
        const positional = args.filter((a) => a.type !== 'keyword_argument').map(code);
        const p = formatMethodPieces(literalText(object)!, positional, keywords);
        return typeof p === 'string' ? `its str.format ${p}` : p;
      }
      break;
    }
  }
  return [slotOf(node, argument)];
}

function slotOf(node: SyntaxNode, argument: boolean): Piece {
  const expr = code(node);
  return { kind: 'slot', field: expr, value: expr, ...(argument ? { argument } : {}) };
}

function code(node: SyntaxNode): string {
  return atom(node.text, node.type);
}

function stringy(node: SyntaxNode): boolean {
  if (node.type === 'string') return !prefixOf(node).includes('b');
  if (node.type === 'concatenated_string') return true;
  if (node.type === 'parenthesized_expression')
    return node.namedChildren.some((n) => n !== null && stringy(n));
  if (node.type === 'binary_operator') {
    const op = node.childForFieldName('operator')?.type;
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (op === '%') return left !== null && literalText(left) !== undefined;
    if (op === '+') return (left !== null && stringy(left)) || (right !== null && stringy(right));
  }
  if (node.type === 'call') {
    const fn = node.childForFieldName('function');
    return fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'format';
  }
  return false;
}

/** The text of a string literal without interpolations, else undefined. */
function literalText(node: SyntaxNode): string | undefined {
  const p = node.type === 'string' || node.type === 'concatenated_string' ? pieces(node, false) : undefined;
  if (p === undefined || typeof p === 'string' || p.some((x) => x.kind !== 'text')) return undefined;
  return p.map((x) => (x.kind === 'text' ? x.text : '')).join('');
}

function prefixOf(node: SyntaxNode): string {
  const start = node.children.find((c) => c?.type === 'string_start')?.text ?? '';
  return start.replace(/['"]+$/, '').toLowerCase();
}

function stringPieces(node: SyntaxNode): Piece[] | string {
  const prefix = prefixOf(node);
  if (prefix.includes('b')) return 'prints bytes';
  if (prefix.includes('t')) return 'is a template string (t"...")';
  const raw = prefix.includes('r');
  const f = prefix.includes('f');
  const out: Piece[] = [];
  for (const child of node.children) {
    if (!child) continue;
    if (child.type === 'string_content') {
      let t = raw ? child.text : decodeEscapes(child.text);
      if (t === undefined) return 'uses a \\N{...} escape';
      if (f) t = t.replaceAll('{{', '{').replaceAll('}}', '}');
      out.push(text(t));
    } else if (child.type === 'interpolation') {
      const expr = child.childForFieldName('expression') ?? child.namedChildren[0];
      if (!expr) return 'has an empty {} field';
      if (child.children.some((c) => c?.type === '=')) return 'has a self-documenting {x=} field';
      const conversion = child.children.find((c) => c?.type === 'type_conversion')?.text.slice(1) ?? '';
      const specNode = child.children.find((c) => c?.type === 'format_specifier');
      const spec = specNode?.text.slice(1) ?? '';
      const slot = formattedSlot(code(expr), conversion, spec);
      // Keep the field exactly as written: it was valid inside an f-string.
      slot.field = child.text.slice(1, -1);
      if (specNode?.children.some((c) => c?.type === 'format_expression'))
        slot.value = `format(${converted(code(expr), conversion)}, f${pyString(spec)})`;
      out.push(slot);
    }
  }
  return out;
}

/** After leading comments, the module docstring and `from __future__` imports, at a line start. */
function preludeOffset(root: SyntaxNode, source: string): number {
  let after = 0;
  let first = true;
  for (const child of root.children) {
    if (!child) continue;
    const docstring =
      first && child.type === 'expression_statement' && child.namedChildren[0]?.type === 'string';
    if (child.type === 'comment' || docstring || child.type === 'future_import_statement') {
      after = child.endIndex;
      if (child.type !== 'comment') first = false;
      continue;
    }
    break;
  }
  if (after === 0) return 0;
  const nl = source.indexOf('\n', after);
  return nl < 0 ? source.length : nl + 1;
}

function firstError(root: SyntaxNode): number {
  const stack: SyntaxNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'ERROR' || n.isMissing) return n.startPosition.row + 1;
    for (const c of [...n.children].reverse()) if (c?.hasError || c?.isMissing) stack.push(c);
  }
  return root.startPosition.row + 1;
}
