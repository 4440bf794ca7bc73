import type { FeasibleSpace, ParameterSpec } from '../api/experiment.js';
import type { IssueList } from './issues.js';
import { parseDecimal, parseInteger } from './numbers.js';
import { parseSection } from './parse-section.js';
import { type ParameterInput, parameterSchema } from './schema.js';

const PATH = 'spec.parameters';

/**
 * `spec.parameters`: at least one; names unique; int/double have numeric min <= max (integers
 * for int), a positive step if any, min > 0 for log distributions; categorical/discrete have a
 * non-empty list without duplicates (numbers for discrete) and no min/max/step. Numeric
 * parameters get Katib's default distribution, uniform.
 */
export function checkParameters(raw: unknown, issues: IssueList): ParameterSpec[] | undefined {
  if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) {
    issues.error(PATH, undefined, 'is required: list at least one parameter to tune');
    return undefined;
  }
  if (!Array.isArray(raw)) {
    issues.error(PATH, raw, 'must be a list');
    return undefined;
  }
  const firstIndexOfName = new Map<string, number>();
  const out: ParameterSpec[] = [];
  let failed = false;
  raw.forEach((entry: unknown, i) => {
    const path = `${PATH}[${i}]`;
    const name = (entry as { name?: unknown } | null)?.name;
    if (typeof name === 'string' && name !== '') {
      const first = firstIndexOfName.get(name);
      if (first === undefined) firstIndexOfName.set(name, i);
      else
        issues.error(`${path}.name`, name, `repeats ${PATH}[${first}].name: parameter names must be unique`);
    }
    const parsed = parseSection(parameterSchema, entry, path, issues);
    const spec = parsed && checkOne(parsed, path, issues);
    if (spec === undefined) failed = true;
    else out.push(spec);
  });
  return failed ? undefined : out;
}

function checkOne(p: ParameterInput, path: string, issues: IssueList): ParameterSpec | undefined {
  const before = issues.errors.length;
  const fs = p.feasibleSpace;
  const at = `${path}.feasibleSpace`;
  const type = p.parameterType;
  const feasibleSpace: FeasibleSpace = {};
  if (type === 'int' || type === 'double') {
    const parse = type === 'int' ? parseInteger : parseDecimal;
    const kind = type === 'int' ? 'an integer' : 'a number';
    if (fs.list !== undefined)
      issues.error(`${at}.list`, fs.list, `must not be set for parameterType ${type} (use min and max)`);
    const bound = (key: 'min' | 'max'): number | undefined => {
      const text = fs[key];
      if (text === undefined) {
        issues.error(`${at}.${key}`, undefined, `is required for parameterType ${type}`);
        return undefined;
      }
      const n = parse(text);
      if (n === undefined) issues.error(`${at}.${key}`, text, `must be ${kind} for parameterType ${type}`);
      return n;
    };
    const min = bound('min');
    const max = bound('max');
    if (min !== undefined && max !== undefined && min > max) {
      issues.error(`${at}.min`, fs.min, `must be <= feasibleSpace.max (${fs.max})`);
    }
    if (fs.step !== undefined) {
      const step = parse(fs.step);
      if (step === undefined)
        issues.error(`${at}.step`, fs.step, `must be ${kind} for parameterType ${type}`);
      else if (step <= 0) issues.error(`${at}.step`, fs.step, 'must be greater than 0');
    }
    const distribution = fs.distribution ?? 'uniform';
    if ((distribution === 'logUniform' || distribution === 'logNormal') && min !== undefined && min <= 0) {
      issues.error(
        `${at}.min`,
        fs.min,
        `must be greater than 0 for distribution ${distribution} (the search works on the logarithm)`,
      );
    }
    feasibleSpace.min = fs.min;
    feasibleSpace.max = fs.max;
    if (fs.step !== undefined) feasibleSpace.step = fs.step;
    feasibleSpace.distribution = distribution;
  } else {
    for (const key of ['min', 'max', 'step'] as const) {
      const v = fs[key];
      if (v !== undefined)
        issues.error(`${at}.${key}`, v, `must not be set for parameterType ${type} (use list)`);
    }
    const list = fs.list ?? [];
    if (list.length === 0)
      issues.error(`${at}.list`, fs.list, `must be a non-empty list for parameterType ${type}`);
    const seen = new Map<string | number, number>();
    list.forEach((item, j) => {
      let key: string | number = item;
      if (type === 'discrete') {
        const n = parseDecimal(item);
        if (n === undefined) {
          issues.error(`${at}.list[${j}]`, item, 'must be a number for parameterType discrete');
          return;
        }
        key = n;
      }
      const first = seen.get(key);
      if (first === undefined) seen.set(key, j);
      else
        issues.error(
          `${at}.list[${j}]`,
          item,
          `repeats feasibleSpace.list[${first}]: list entries must be unique`,
        );
    });
    if (fs.distribution !== undefined && fs.distribution !== 'uniform') {
      issues.warn(`${at}.distribution`, fs.distribution, `is ignored for parameterType ${type}`);
    }
    feasibleSpace.list = [...list];
    if (fs.distribution !== undefined) feasibleSpace.distribution = fs.distribution;
  }
  if (issues.errors.length > before) return undefined;
  return { name: p.name, parameterType: type, feasibleSpace };
}
