import type { z } from 'zod';
import { child, type IssueList, joinPath } from './issues.js';

/**
 * Parses one section of the input with its schema. Problems go to `issues` with full field
 * paths and Katib-style rules; returns undefined when the section has any.
 */
export function parseSection<S extends z.ZodType>(
  schema: S,
  value: unknown,
  path: string,
  issues: IssueList,
): z.output<S> | undefined {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const at = joinPath(path, issue.path);
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      const input = issue.input as Record<string, unknown> | undefined;
      for (const key of issue.keys) issues.error(child(at, key), input?.[key], unknownFieldRule(key, known));
    } else if (issue.code === 'invalid_type') {
      const input = issue.input;
      issues.error(at, input, input === undefined ? 'is required' : typeRule(issue.expected));
    } else if (issue.code === 'invalid_value' && issue.input === undefined) {
      issues.error(at, undefined, 'is required');
    } else if (issue.code === 'invalid_value') {
      const values = issue.values.map((v) => String(v));
      const rule = values.length === 1 ? `must be "${values[0]}"` : `must be one of ${values.join(', ')}`;
      issues.error(at, issue.input, rule);
    } else {
      issues.error(at, issue.input, issue.message);
    }
  }
  return undefined;
}

function typeRule(expected: string): string {
  switch (expected) {
    case 'string':
      return 'must be a string';
    case 'number':
      return 'must be a number';
    case 'int':
      return 'must be an integer';
    case 'boolean':
      return 'must be true or false';
    case 'array':
      return 'must be a list';
    case 'object':
    case 'record':
      return 'must be a mapping (key: value)';
    default:
      return `must be of type ${expected}`;
  }
}

/** The rule for a field Katib does not have, with the likeliest intended name. */
export function unknownFieldRule(key: string, known: readonly string[]): string {
  const guess = closest(key, known);
  if (guess !== undefined) return `is not a field Katib knows here (did you mean "${guess}"?)`;
  return known.length > 0
    ? `is not a field Katib knows here (known: ${known.join(', ')})`
    : 'is not a field Katib knows here';
}

interface SchemaDef {
  type: string;
  shape?: Record<string, { def: SchemaDef }>;
  innerType?: { def: SchemaDef };
  element?: { def: SchemaDef };
  in?: { def: SchemaDef };
  out?: { def: SchemaDef };
}

/** The field names of the object schema found at `path` inside `schema`. */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let def: SchemaDef | undefined = (schema as unknown as { def: SchemaDef }).def;
  let i = 0;
  while (def !== undefined) {
    if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default')
      def = def.innerType?.def;
    else if (def.type === 'pipe') def = def.out?.def;
    else if (i >= path.length) break;
    else if (def.type === 'object') def = def.shape?.[String(path[i++])]?.def;
    else if (def.type === 'array') {
      i++;
      def = def.element?.def;
    } else return [];
  }
  return def?.type === 'object' && def.shape !== undefined ? Object.keys(def.shape) : [];
}

/**
 * The candidate a typo most likely meant: same letters ignoring case, a shortened or lengthened
 * name (`primaryContainer`), or at most two edits away.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    if (candidate.toLowerCase() === lower) return candidate;
  }
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    if (Math.min(c.length, lower.length) >= 5 && (c.startsWith(lower) || lower.startsWith(c)))
      return candidate;
  }
  for (const candidate of candidates) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = row;
  }
  return prev[b.length]!;
}
