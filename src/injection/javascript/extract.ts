/**
 * Finds the calls that print in JavaScript or TypeScript source (@babel/parser): console.log,
 * console.info (and debug, warn, error), process.stdout.write and process.stderr.write, and reads
 * what each prints into pieces: string literals, template literals and `+` concatenation, and
 * console's `%s %d %i %f` format strings.
 */
import { parse } from '@babel/parser';
import type { Node } from '@babel/types';
import { type Extraction, keepLineCount, PRELUDE_MARK, type PrintSite, PUSH_NAME } from '../print-site.js';
import { type Piece, type Slot, text } from '../template.js';

const CONSOLE_METHODS = new Set(['log', 'info', 'debug', 'warn', 'error']);
/** The first line of the program tune() generates for a function objective (src/sdk/objective). */
const SDK_PROGRAM = '// katib-ts: a tune() objective';

/** Every printing call in `source`, with where the push client would go. */
export function extractJavaScript(source: string, typescript: boolean, jsx = false): Extraction {
  let file: ReturnType<typeof parse>;
  try {
    file = parse(source, {
      sourceType: 'unambiguous',
      errorRecovery: true,
      allowReturnOutsideFunction: true,
      allowAwaitOutsideFunction: true,
      allowImportExportEverywhere: true,
      allowUndeclaredExports: true,
      plugins: [...(typescript ? (['typescript'] as const) : []), ...(jsx ? (['jsx'] as const) : [])],
    });
  } catch (err) {
    return { sites: [], preludeAt: 0, syntaxError: (err as Error).message };
  }
  const program = file.program;
  const lastDirective = program.directives.at(-1);
  const headEnd = lastDirective?.end ?? program.interpreter?.end ?? 0;
  const nl = headEnd > 0 ? source.indexOf('\n', headEnd) : 0;
  const out: Extraction = { sites: [], preludeAt: headEnd === 0 ? 0 : nl < 0 ? source.length : nl + 1 };
  if (source.includes(PRELUDE_MARK)) out.injectedAlready = true;
  if (file.errors?.length) out.syntaxError = String(file.errors[0]?.message ?? 'does not parse');
  const sdkProgram = source.startsWith(SDK_PROGRAM);
  const importMeta: NonNullable<Extraction['importMeta']> = [];
  out.importMeta = importMeta;
  walk(program, undefined, (node, parent) => {
    if (
      node.type === 'MemberExpression' &&
      node.object.type === 'MetaProperty' &&
      node.object.meta.name === 'import' &&
      node.property.type === 'Identifier' &&
      ['url', 'filename', 'dirname'].includes(node.property.name)
    )
      importMeta.push({ start: node.start!, end: node.end!, property: node.property.name as 'url' });
    if (!sdkProgram && !out.pushesAlready) {
      const pushes = pushesItself(node);
      if (pushes) out.pushesAlready = `${pushes} (line ${node.loc?.start.line})`;
    }
    if (node.type !== 'CallExpression' && node.type !== 'OptionalCallExpression') return;
    const kind = classify(node.callee);
    if (kind) out.sites.push(site(source, node, parent, kind));
  });
  return out;
}

type Kind = 'console' | 'write';

function classify(callee: Node): Kind | undefined {
  if ((callee.type !== 'MemberExpression' && callee.type !== 'OptionalMemberExpression') || callee.computed)
    return undefined;
  const method = callee.property.type === 'Identifier' ? callee.property.name : '';
  const object = callee.object;
  if (object.type === 'Identifier' && object.name === 'console' && CONSOLE_METHODS.has(method))
    return 'console';
  if (
    method === 'write' &&
    object.type === 'MemberExpression' &&
    !object.computed &&
    object.object.type === 'Identifier' &&
    object.object.name === 'process' &&
    object.property.type === 'Identifier' &&
    (object.property.name === 'stdout' || object.property.name === 'stderr')
  )
    return 'write';
  return undefined;
}

function pushesItself(node: Node): string | undefined {
  const fromKatib = (s: string): boolean => s === 'katib-ts' || s.startsWith('katib-ts/');
  if (node.type === 'ImportDeclaration' && fromKatib(node.source.value))
    return `imports ${node.source.value}`;
  if (node.type === 'CallExpression') {
    const [first] = node.arguments;
    const literal = first?.type === 'StringLiteral' ? first.value : undefined;
    if (
      (node.callee.type === 'Import' ||
        (node.callee.type === 'Identifier' && node.callee.name === 'require')) &&
      literal &&
      fromKatib(literal)
    )
      return `loads ${literal}`;
    const name =
      node.callee.type === 'Identifier'
        ? node.callee.name
        : node.callee.type === 'MemberExpression' && node.callee.property.type === 'Identifier'
          ? node.callee.property.name
          : '';
    if (name === 'reportMetrics' || name === 'createMetricsReporter') return `calls ${name}`;
  }
  return undefined;
}

function site(
  source: string,
  call: Node & { type: 'CallExpression' | 'OptionalCallExpression' },
  parent: Node | undefined,
  kind: Kind,
): PrintSite {
  const src = (n: Node): string => source.slice(n.start!, n.end!);
  const original = src(call);
  const callee = src(call.callee);
  const statementLevel = parent?.type === 'ExpressionStatement';
  const extracted = piecesOfCall(kind, call.arguments as Node[], src);
  return {
    start: call.start!,
    end: call.end!,
    line: call.loc!.start.line,
    statement: original,
    extracted: typeof extracted === 'string' ? { problem: extracted } : { pieces: extracted },
    rebuild(metrics, remaining) {
      const push = `${PUSH_NAME.javascript}.report(${metrics.map((m) => `${JSON.stringify(m.name)}, ${m.value}`).join(', ')})`;
      let print: string | undefined;
      if (remaining)
        print = `${callee}(${kind === 'console' ? consoleArguments(remaining).join(', ') : template(remaining)})`;
      if (metrics.length === 0) return print;
      let code: string;
      if (print) code = statementLevel ? `${push}, ${print}` : `(${push}, ${print})`;
      else code = kind === 'write' && !statementLevel ? `(${push}, true)` : push;
      return keepLineCount(code, original);
    },
  };
}

function piecesOfCall(kind: Kind, args: Node[], src: (n: Node) => string): Piece[] | string {
  if (args.some((a) => a.type === 'SpreadElement')) return 'passes ...args, known only at run time';
  if (kind === 'write') {
    if (args.length === 0) return 'writes nothing';
    return pieces(args[0]!, src, false);
  }
  const out: Piece[] = [];
  let rest = args;
  const first = args[0];
  if (first && args.length > 1 && stringy(first)) {
    const format = pieces(first, src, false);
    if (typeof format === 'string') return format;
    if (format.some((p) => p.kind === 'text' && p.text.includes('%'))) {
      const used = consoleFormat(format, args.slice(1), src);
      if (typeof used === 'string') return used;
      out.push(...used.pieces);
      rest = args.slice(1 + used.consumed);
    } else {
      out.push(...format);
      rest = args.slice(1);
    }
    if (rest.length > 0) out.push(text(' '));
  }
  for (const [i, arg] of rest.entries()) {
    if (i > 0) out.push(text(' '));
    const p = pieces(arg, src, args.length > 1);
    if (typeof p === 'string') return p;
    out.push(...p);
  }
  return out;
}

/** Applies console's `%s %d %i %f %%` to the format pieces with `args`. */
function consoleFormat(
  format: Piece[],
  args: Node[],
  src: (n: Node) => string,
): { pieces: Piece[]; consumed: number } | string {
  const out: Piece[] = [];
  let next = 0;
  for (const p of format) {
    if (p.kind === 'slot') {
      out.push(p);
      continue;
    }
    let last = 0;
    for (const m of p.text.matchAll(/%([sdifjoOc%])/g)) {
      out.push(text(p.text.slice(last, m.index)));
      last = m.index + 2;
      if (m[1] === '%') {
        out.push(text('%'));
        continue;
      }
      if (!'sdif'.includes(m[1]!)) return `uses the console format %${m[1]}`;
      const arg = args[next++];
      if (!arg) {
        out.push(text(m[0]));
        continue;
      }
      const e = expression(arg, src);
      const shown = { s: e, d: `Number(${e})`, i: `parseInt(${e})`, f: `parseFloat(${e})` }[
        m[1] as 's' | 'd' | 'i' | 'f'
      ];
      out.push({ kind: 'slot', field: shown, value: m[1] === 'i' ? shown : e });
    }
    out.push(text(p.text.slice(last)));
  }
  return { pieces: out, consumed: next };
}

function pieces(node: Node, src: (n: Node) => string, argument: boolean): Piece[] | string {
  if (node.type === 'StringLiteral') return [text(node.value)];
  if (node.type === 'TemplateLiteral') {
    const out: Piece[] = [];
    for (const [i, quasi] of node.quasis.entries()) {
      if (quasi.value.cooked == null) return 'has an invalid escape in a template literal';
      out.push(text(quasi.value.cooked));
      const e = node.expressions[i];
      if (e) out.push(slot(e as Node, src, false));
    }
    return out;
  }
  if (node.type === 'BinaryExpression' && node.operator === '+' && stringy(node)) {
    const l = pieces(node.left as Node, src, false);
    const r = pieces(node.right, src, false);
    if (typeof l === 'string') return l;
    if (typeof r === 'string') return r;
    return [...l, ...r];
  }
  return [slot(node, src, argument)];
}

function slot(node: Node, src: (n: Node) => string, argument: boolean): Slot {
  const e = expression(node, src);
  return { kind: 'slot', field: e, value: e, ...(argument ? { argument } : {}) };
}

function expression(node: Node, src: (n: Node) => string): string {
  return node.type === 'SequenceExpression' ? `(${src(node)})` : src(node);
}

/** Whether `node` evaluates to a string built from literal parts (so `+` concatenates). */
function stringy(node: Node): boolean {
  if (node.type === 'StringLiteral' || node.type === 'TemplateLiteral') return true;
  if (node.type === 'BinaryExpression' && node.operator === '+')
    return stringy(node.left as Node) || stringy(node.right);
  return false;
}

/** console.* arguments for pieces: whole-argument slots stay arguments, the rest becomes text. */
function consoleArguments(input: readonly Piece[]): string[] {
  const pieces = [...input];
  const args: string[] = [];
  let run: Piece[] = [];
  const flush = (): void => {
    if (run.length > 0) args.push(template(run));
    run = [];
  };
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    const prev = run.at(-1);
    const next = pieces[i + 1];
    if (
      p.kind === 'slot' &&
      p.argument &&
      (prev === undefined || (prev.kind === 'text' && prev.text.endsWith(' '))) &&
      (next === undefined || (next.kind === 'text' && next.text.startsWith(' ')))
    ) {
      if (prev?.kind === 'text') {
        const trimmed = prev.text.slice(0, -1);
        run.pop();
        if (trimmed) run.push(text(trimmed));
      }
      flush();
      args.push(p.field);
      if (next?.kind === 'text') pieces[i + 1] = text(next.text.slice(1));
      continue;
    }
    run.push(p);
  }
  flush();
  // A first argument with % is a format string when more arguments follow: keep % literal.
  if (args.length > 1 && args[0]!.includes('%') && /^[`"]/.test(args[0]!))
    args[0] = args[0]!.replaceAll('%', '%%');
  return args.filter((a) => a !== '""');
}

/** Pieces as one JavaScript string expression: a literal when all is text, else a template. */
function template(pieces: readonly Piece[]): string {
  if (pieces.every((p) => p.kind === 'text'))
    return JSON.stringify(pieces.map((p) => (p as { text: string }).text).join(''));
  const body = pieces
    .map((p) =>
      p.kind === 'slot'
        ? `\${${p.field}}`
        : p.text
            .replace(/[\\`]/g, '\\$&')
            .replace(/\$\{/g, '\\${')
            .replace(/\n/g, '\\n')
            .replace(/\r/g, '\\r')
            .replace(/\t/g, '\\t')
            // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping them is the point
            .replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    )
    .join('');
  return `\`${body}\``;
}

/** Calls `visit(node, parent)` for every node below `node`, depth first. */
function walk(
  node: Node,
  parent: Node | undefined,
  visit: (node: Node, parent: Node | undefined) => void,
): void {
  visit(node, parent);
  for (const key of Object.keys(node)) {
    if (
      key === 'loc' ||
      key === 'leadingComments' ||
      key === 'trailingComments' ||
      key === 'innerComments' ||
      key === 'extra'
    )
      continue;
    const value = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(value)) {
      for (const v of value) if (isNode(v)) walk(v, node, visit);
    } else if (isNode(value)) walk(value, node, visit);
  }
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}
