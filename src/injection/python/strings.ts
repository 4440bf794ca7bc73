/**
 * Python string literals: reading them (escapes, `%` formatting, `str.format`) into pieces, and
 * writing pieces back as a literal or an f-string.
 */
import { type Piece, type Slot, text } from '../template.js';

/** The text a (non-raw) Python string body stands for; undefined for `\N{...}` escapes. */
export function decodeEscapes(raw: string): string | undefined {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\' || i + 1 >= raw.length) {
      out += c;
      continue;
    }
    const n = raw[++i]!;
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      '\\': '\\',
      "'": "'",
      '"': '"',
      a: '\x07',
      b: '\b',
      f: '\f',
      v: '\v',
      '\n': '',
    };
    if (n in simple) out += simple[n];
    else if (/[0-7]/.test(n)) {
      const oct = /^[0-7]{1,3}/.exec(raw.slice(i))![0];
      out += String.fromCharCode(Number.parseInt(oct, 8));
      i += oct.length - 1;
    } else if (n === 'x' || n === 'u' || n === 'U') {
      const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
      const hex = raw.slice(i + 1, i + 1 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) return undefined;
      out += String.fromCodePoint(Number.parseInt(hex, 16));
      i += len;
    } else if (n === 'N') return undefined;
    else out += `\\${n}`;
  }
  return out;
}

/** Wraps expression code in parentheses unless it is a name, attribute, call, subscript or number. */
export function atom(code: string, nodeType: string): string {
  const plain = ['identifier', 'attribute', 'call', 'subscript', 'integer', 'float', 'string'];
  return plain.includes(nodeType) ? code : `(${code})`;
}

/** A slot for `expr` shown with an optional conversion (`r`, `s`, `a`) and format spec. */
export function formattedSlot(expr: string, conversion: string, spec: string, argument = false): Slot {
  const inner = converted(expr, conversion);
  const field = `${expr}${conversion ? `!${conversion}` : ''}${spec ? `:${spec}` : ''}`;
  const value = spec ? `format(${inner}, ${pyString(spec)})` : inner;
  return { kind: 'slot', field, value, ...(argument ? { argument } : {}) };
}

/** `expr` after an f-string conversion (`!r`, `!s`, `!a`). */
export function converted(expr: string, conversion: string): string {
  if (!conversion) return expr;
  return `${{ r: 'repr', s: 'str', a: 'ascii' }[conversion] ?? 'str'}(${expr})`;
}

const PERCENT = /%(\([^)]*\))?([-+ 0#]*)(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])/g;

/**
 * `format % args` as pieces, `args` being the argument expressions (already atoms). Returns a
 * problem string for what only run time knows (`*`, mapping keys, a count that does not fit).
 */
export function percentPieces(format: string, args: readonly string[]): Piece[] | string {
  const pieces: Piece[] = [];
  let last = 0;
  let next = 0;
  for (const m of format.matchAll(PERCENT)) {
    pieces.push(text(format.slice(last, m.index)));
    last = m.index + m[0].length;
    const [, key, flags = '', width, precision, type] = m;
    if (type === '%') {
      pieces.push(text('%'));
      continue;
    }
    if (key) return 'uses %(name) keys from a mapping';
    if (width === '*' || precision === '*') return 'takes a width or precision from its arguments';
    if (type === 'c') return 'formats a character (%c)';
    const expr = args[next++];
    if (expr === undefined) return 'has more % fields than arguments';
    const numeric = !'rsa'.includes(type!);
    const zero = numeric && flags.includes('0') && !flags.includes('-') && width !== undefined;
    let spec = width === undefined || zero ? '' : flags.includes('-') ? '<' : '>';
    if (numeric) spec += flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
    if (numeric && flags.includes('#')) spec += '#';
    if (zero) spec += '0';
    spec += (width ?? '') + (precision !== undefined ? `.${precision}` : '');
    let inner = expr;
    if ('diu'.includes(type!)) {
      inner = `int(${expr})`;
      if (spec) spec += 'd';
    } else if ('oxX'.includes(type!)) {
      inner = `int(${expr})`;
      spec += type;
    } else if (numeric) spec += type;
    else if (type === 'r') inner = `repr(${expr})`;
    else if (type === 'a') inner = `ascii(${expr})`;
    else if (spec) inner = `str(${expr})`;
    pieces.push({
      kind: 'slot',
      field: spec ? `${inner}:${spec}` : inner,
      value: spec ? `format(${inner}, ${pyString(spec)})` : inner,
    });
  }
  pieces.push(text(format.slice(last)));
  if (next !== args.length) return `has ${args.length} arguments for ${next} % fields`;
  return pieces;
}

/**
 * `format.format(*positional, **keywords)` as pieces (argument expressions already atoms).
 * Fields with attribute or index access, or nested fields in a spec, are problems.
 */
export function formatMethodPieces(
  format: string,
  positional: readonly string[],
  keywords: ReadonlyMap<string, string>,
): Piece[] | string {
  const pieces: Piece[] = [];
  let auto = 0;
  let i = 0;
  let run = '';
  while (i < format.length) {
    const c = format[i]!;
    if ((c === '{' || c === '}') && format[i + 1] === c) {
      run += c;
      i += 2;
      continue;
    }
    if (c === '}') return 'has a single } in its format string';
    if (c !== '{') {
      run += c;
      i++;
      continue;
    }
    const close = format.indexOf('}', i);
    if (close < 0) return 'has an unclosed { in its format string';
    const body = format.slice(i + 1, close);
    if (body.includes('{')) return 'has nested {} in a format spec';
    const m = /^([^!:]*)(?:!([rsa]))?(?::(.*))?$/s.exec(body);
    if (!m) return `has a field {${body}} this rewriter does not read`;
    const [, name = '', conversion = '', spec = ''] = m;
    let expr: string | undefined;
    if (name === '') expr = positional[auto++];
    else if (/^\d+$/.test(name)) expr = positional[Number(name)];
    else if (/^[A-Za-z_]\w*$/.test(name)) expr = keywords.get(name);
    else return `has a field {${body}} with attribute or index access`;
    if (expr === undefined) return `has a field {${body}} without a matching argument`;
    pieces.push(text(run));
    run = '';
    pieces.push(formattedSlot(expr, conversion, spec));
    i = close + 1;
  }
  pieces.push(text(run));
  return pieces;
}

/** A plain Python string literal for `s` (double quotes). */
export function pyString(s: string): string {
  return `"${escapeBody(s, '"', false)}"`;
}

/**
 * Pieces as one Python string expression: a literal when all is text, else an f-string whose
 * quote no field uses. Undefined when every quote is taken or a field holds a backslash, newline
 * or comment (not allowed in f-string fields before Python 3.12).
 */
export function pyTextExpression(pieces: readonly Piece[]): string | undefined {
  if (pieces.every((p) => p.kind === 'text'))
    return pyString(pieces.map((p) => (p as { text: string }).text).join(''));
  const fields = pieces.filter((p): p is Slot => p.kind === 'slot').map((p) => p.field);
  if (fields.some((f) => /[\\\n#]/.test(f))) return undefined;
  const quote = ['"', "'"].find((q) => !fields.some((f) => f.includes(q)));
  if (!quote) return undefined;
  const body = pieces
    .map((p) => (p.kind === 'text' ? escapeBody(p.text, quote, true) : `{${p.field}}`))
    .join('');
  return `f${quote}${body}${quote}`;
}

function escapeBody(s: string, quote: string, fstring: boolean): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (fstring && (ch === '{' || ch === '}')) out += ch + ch;
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}
