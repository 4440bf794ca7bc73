/**
 * The part of GJSON's path syntax (github.com/tidwall/gjson) that Katib's successCondition and
 * failureCondition use, evaluated over a resource as plain JSON:
 *
 * - `a.b.c` keys (`\.` escapes a dot in a key), `conditions.0` an array index;
 * - `#` an array's length, or with a path after it (`items.#.name`) that path over every element;
 * - `#(query)` the first element matching the query, `#(query)#` every matching element (a path
 *   after `.` is then taken on each match, after `|` on the list of matches);
 * - queries `lhs op value` with `==`, `!=`, `<`, `<=`, `>`, `>=`, `%` (glob with `*` and `?`)
 *   and `!%`, the value a "string", a number, true, false or null; `lhs` is a path inside the
 *   element (empty: the element itself); `#(lhs)` alone tests that the path exists;
 * - `|` applies the rest of the path to the result so far; `@this` is the value itself;
 * - `[p1,p2]` a list of the values of several paths (Katib's Argo example `status.[@this]`).
 *
 * Not supported (rejected by parseGjsonPath): wildcards in keys, other modifiers, `{}` objects,
 * `..` JSON lines. Pure.
 */

export type GjsonOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | '%' | '!%';

export type GjsonStep =
  | { kind: 'key'; key: string }
  | { kind: 'count' }
  | { kind: 'query'; lhs: GjsonPath; op?: GjsonOp; value?: unknown; all: boolean }
  | { kind: 'this' }
  | { kind: 'multi'; paths: GjsonPath[] };

/** Steps, each with the separator before it ('.' or '|'; the first has '.'). */
export type GjsonPath = { sep: '.' | '|'; step: GjsonStep }[];

export class GjsonSyntaxError extends Error {}

/** Parses a GJSON path; throws GjsonSyntaxError naming the position and the rule. */
export function parseGjsonPath(path: string): GjsonPath {
  if (path === '') return [];
  const parts: { sep: '.' | '|'; text: string; at: number }[] = [];
  let sep: '.' | '|' = '.';
  let start = 0;
  let depth = 0;
  let quoted = false;
  if (/(?:^|[^\\])(?:\\\\)*\\$/.test(path))
    throw new GjsonSyntaxError(`${JSON.stringify(path)} ends with a lone \\`);
  for (let i = 0; i <= path.length; i++) {
    const ch = path[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
      continue;
    }
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if ((ch === '.' || ch === '|' || ch === undefined) && depth === 0) {
      parts.push({ sep, text: path.slice(start, i), at: start });
      sep = ch === '|' ? '|' : '.';
      start = i + 1;
    }
    if (depth < 0) throw new GjsonSyntaxError(`unbalanced ${ch} at ${i + 1} in ${JSON.stringify(path)}`);
  }
  if (quoted || depth !== 0)
    throw new GjsonSyntaxError(`unclosed quote or bracket in ${JSON.stringify(path)}`);
  return parts.map(({ sep: s, text, at }) => ({ sep: s, step: parseStep(text, at, path) }));
}

function parseStep(text: string, at: number, path: string): GjsonStep {
  const where = `at ${at + 1} in ${JSON.stringify(path)}`;
  if (text === '') throw new GjsonSyntaxError(`empty path component ${where}`);
  if (text === '#') return { kind: 'count' };
  if (text === '@this') return { kind: 'this' };
  if (text.startsWith('@')) throw new GjsonSyntaxError(`modifier ${text} is not supported ${where}`);
  if (text.startsWith('#(')) {
    const all = text.endsWith(')#');
    const end = all ? text.length - 2 : text.length - 1;
    if (text[end] !== ')') throw new GjsonSyntaxError(`a query must end with ) or )# ${where}`);
    return { kind: 'query', all, ...parseQuery(text.slice(2, end), where) };
  }
  if (text.startsWith('[') && text.endsWith(']')) {
    return { kind: 'multi', paths: splitTopLevel(text.slice(1, -1), ',').map((p) => parseGjsonPath(p)) };
  }
  if (/[*?]/.test(text.replace(/\\./g, ''))) {
    throw new GjsonSyntaxError(`wildcards in keys are not supported ${where}`);
  }
  return { kind: 'key', key: text.replace(/\\(.)/g, '$1') };
}

const OPS: GjsonOp[] = ['==', '!=', '<=', '>=', '!%', '<', '>', '%'];

function parseQuery(query: string, where: string): { lhs: GjsonPath; op?: GjsonOp; value?: unknown } {
  let quoted = false;
  for (let i = 0; i < query.length; i++) {
    const ch = query[i];
    if (ch === '"') quoted = !quoted;
    if (quoted || ch === '\\') {
      if (ch === '\\') i++;
      continue;
    }
    const op = OPS.find((o) => query.startsWith(o, i));
    if (op !== undefined) {
      const lhs = query.slice(0, i).trim();
      return { lhs: parseGjsonPath(lhs), op, value: parseValue(query.slice(i + op.length).trim(), where) };
    }
  }
  return { lhs: parseGjsonPath(query.trim()) };
}

function parseValue(text: string, where: string): unknown {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (text.startsWith('"')) {
    try {
      return JSON.parse(text) as string;
    } catch {
      throw new GjsonSyntaxError(`bad string ${text} ${where}`);
    }
  }
  const n = Number(text);
  if (text !== '' && Number.isFinite(n)) return n;
  throw new GjsonSyntaxError(
    `a query value must be a "string", a number, true, false or null, not ${text} ${where}`,
  );
}

function splitTopLevel(text: string, by: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') i++;
    else if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '(' || ch === '[')) depth++;
    else if (!quoted && (ch === ')' || ch === ']')) depth--;
    else if (!quoted && depth === 0 && ch === by) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** The value at `path` in `json`, or undefined when it does not exist. */
export function evaluateGjson(json: unknown, path: GjsonPath): unknown {
  let value: unknown = json;
  for (let i = 0; i < path.length; i++) {
    if (value === undefined) return undefined;
    const { step } = path[i]!;
    const rest = path.slice(i + 1);
    // `#` and `#(...)#` followed by `.path` take the path on every element (gjson's mapping).
    const maps = rest.length > 0 && rest[0]!.sep === '.';
    if (step.kind === 'count') {
      if (!Array.isArray(value)) return undefined;
      if (!maps) {
        value = value.length;
        continue;
      }
      return value.map((v) => evaluateGjson(v, rest)).filter((v) => v !== undefined);
    }
    if (step.kind === 'query') {
      if (!Array.isArray(value)) return undefined;
      const matches = value.filter((v) => queryMatches(v, step));
      if (!step.all) {
        value = matches[0];
        continue;
      }
      if (maps) return matches.map((v) => evaluateGjson(v, rest)).filter((v) => v !== undefined);
      value = matches;
      continue;
    }
    value = stepOnce(value, step);
  }
  return value;
}

function stepOnce(value: unknown, step: GjsonStep): unknown {
  switch (step.kind) {
    case 'this':
      return value;
    case 'multi':
      return step.paths.map((p) => evaluateGjson(value, p)).filter((v) => v !== undefined);
    case 'key':
      if (Array.isArray(value)) return /^\d+$/.test(step.key) ? value[Number(step.key)] : undefined;
      if (value !== null && typeof value === 'object' && Object.hasOwn(value, step.key))
        return (value as Record<string, unknown>)[step.key];
      return undefined;
    default:
      return undefined;
  }
}

function queryMatches(element: unknown, q: Extract<GjsonStep, { kind: 'query' }>): boolean {
  const left = evaluateGjson(element, q.lhs);
  if (q.op === undefined) return left !== undefined;
  if (left === undefined) return false;
  const right = q.value;
  switch (q.op) {
    case '==':
      return left === right;
    case '!=':
      return left !== right;
    case '%':
    case '!%': {
      if (typeof left !== 'string' || typeof right !== 'string') return false;
      const like = globRegExp(right).test(left);
      return q.op === '%' ? like : !like;
    }
    default: {
      const bothNumbers = typeof left === 'number' && typeof right === 'number';
      const bothStrings = typeof left === 'string' && typeof right === 'string';
      if (!bothNumbers && !bothStrings) return false;
      const l = left as number | string;
      const r = right as number | string;
      return q.op === '<' ? l < r : q.op === '<=' ? l <= r : q.op === '>' ? l > r : l >= r;
    }
  }
}

function globRegExp(pattern: string): RegExp {
  const body = [...pattern]
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 's');
}
