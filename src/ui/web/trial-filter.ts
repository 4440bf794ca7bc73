/**
 * The trials table's filter and sort, pure (tested without a browser). A filter is words, all of
 * which must hold: `field<op>value` compares a field (name, state, objective, a parameter or a
 * metric; ops = != < <= > >=, numerically when both sides are numbers), any other word must
 * appear in the trial's name, state, parameters or metrics (case-insensitive).
 */
import type { TrialSummary } from '../wire.js';

export interface FilterFields {
  parameters: readonly string[];
  metrics: readonly string[];
}

export interface CompiledFilter {
  test(trial: TrialSummary): boolean;
  /** Why part of the text was not understood (that part is then ignored). */
  error?: string;
}

const COMPARISON = /^([^<>=!]+)(<=|>=|!=|=|<|>)(.*)$/;

export function compileFilter(text: string, fields: FilterFields): CompiledFilter {
  const words = text
    .replace(/\s*(<=|>=|!=|=|<|>)\s*/g, '$1')
    .split(/\s+/)
    .filter((w) => w !== '');
  const tests: ((t: TrialSummary) => boolean)[] = [];
  const unknown: string[] = [];
  for (const word of words) {
    const m = COMPARISON.exec(word);
    if (!m) {
      const needle = word.toLowerCase();
      tests.push((t) => haystack(t).includes(needle));
      continue;
    }
    const [, field = '', op = '=', value = ''] = m;
    const read = reader(field, fields);
    if (!read) {
      unknown.push(field);
      continue;
    }
    tests.push((t) => compare(read(t), op, value));
  }
  const known = ['name', 'state', 'objective', ...fields.parameters, ...fields.metrics];
  return {
    test: (t) => tests.every((f) => f(t)),
    ...(unknown.length > 0
      ? { error: `unknown field ${unknown.map((u) => `"${u}"`).join(', ')}; fields: ${known.join(', ')}` }
      : {}),
  };
}

function reader(
  field: string,
  fields: FilterFields,
): ((t: TrialSummary) => string | number | null) | undefined {
  if (field === 'name') return (t) => t.name;
  if (field === 'state') return (t) => t.state;
  if (field === 'objective') return (t) => t.objective ?? t.current?.value ?? null;
  const p = fields.parameters.indexOf(field);
  if (p >= 0) return (t) => t.params[p] ?? null;
  if (fields.metrics.includes(field)) return (t) => t.metrics[field] ?? null;
  return undefined;
}

function compare(actual: string | number | null, op: string, expected: string): boolean {
  if (actual === null || actual === '') return op === '!=';
  const a = typeof actual === 'number' ? actual : Number(actual);
  const b = Number(expected);
  const numeric = expected.trim() !== '' && Number.isFinite(a) && Number.isFinite(b);
  if (numeric) return holds(a - b, op);
  const left = String(actual).toLowerCase();
  const right = expected.toLowerCase();
  return holds(left < right ? -1 : left > right ? 1 : 0, op);
}

function holds(difference: number, op: string): boolean {
  switch (op) {
    case '=':
      return difference === 0;
    case '!=':
      return difference !== 0;
    case '<':
      return difference < 0;
    case '<=':
      return difference <= 0;
    case '>':
      return difference > 0;
    default:
      return difference >= 0;
  }
}

function haystack(t: TrialSummary): string {
  return [t.name, t.state, ...t.params, ...Object.values(t.metrics)].join('\u0000').toLowerCase();
}

/** A sortable column: `name`, `state`, `objective`, `started`, `duration`, `p:<index>` or `m:<metric>`. */
export type SortKey = string;

/** Compares two trials by `key`; empty values sort last whichever the direction. */
export function compareTrials(a: TrialSummary, b: TrialSummary, key: SortKey, descending: boolean): number {
  const x = sortValue(a, key);
  const y = sortValue(b, key);
  if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
  let c: number;
  if (typeof x === 'number' && typeof y === 'number') c = x - y;
  else c = String(x).localeCompare(String(y), undefined, { numeric: true });
  return descending ? -c : c;
}

function sortValue(t: TrialSummary, key: SortKey): string | number | null {
  switch (key) {
    case 'name':
      return t.name;
    case 'state':
      return t.state;
    case 'objective':
      return t.objective ?? t.current?.value ?? null;
    case 'started':
      return t.started ? Date.parse(t.started) : null;
    case 'duration': {
      if (!t.started) return null;
      return (t.completed ? Date.parse(t.completed) : Date.now()) - Date.parse(t.started);
    }
  }
  const raw = key.startsWith('p:') ? t.params[Number(key.slice(2))] : t.metrics[key.slice(2)];
  if (raw === undefined || raw === '') return null;
  const n = Number(raw);
  return Number.isFinite(n) ? n : raw;
}
