import type { Distribution, ParameterSpec } from '../../api/experiment.js';
import { Issues } from '../issues.js';
import { decimalPlaces, parseDecimal } from './numbers.js';
import type { CategoricalParam, DiscreteParam, DoubleParam, IntParam, Param, SearchSpace } from './types.js';

const DISTRIBUTIONS: readonly Distribution[] = ['uniform', 'logUniform', 'normal', 'logNormal'];
const TYPES = ['int', 'double', 'discrete', 'categorical'];

/**
 * Builds the typed search space from `spec.parameters`. Throws one KatibError
 * `invalid_argument` naming every bad field (`spec.parameters[i].feasibleSpace.min`, ...).
 */
export function buildSearchSpace(parameters: readonly ParameterSpec[]): SearchSpace {
  const issues = new Issues();
  const space = collectSearchSpace(parameters, issues);
  issues.throwIfAny();
  return space;
}

/** Like buildSearchSpace, but adds problems to `issues` (for validators that report everything). */
export function collectSearchSpace(parameters: readonly ParameterSpec[], issues: Issues): SearchSpace {
  if (!Array.isArray(parameters) || parameters.length === 0) {
    issues.add('spec.parameters', parameters, 'must list at least one parameter');
    return { params: [], size: 0 };
  }
  const params: Param[] = [];
  const seen = new Set<string>();
  parameters.forEach((spec, i) => {
    const field = `spec.parameters[${i}]`;
    if (typeof spec.name !== 'string' || spec.name === '') {
      issues.add(`${field}.name`, spec.name, 'must be a non-empty string');
    } else if (seen.has(spec.name)) {
      issues.add(`${field}.name`, spec.name, 'is used by an earlier parameter; names must be unique');
    }
    seen.add(spec.name);
    const param = buildParam(spec, field, issues);
    if (param !== undefined) params.push(param);
  });
  const size = params.reduce((n, p) => n * p.count, 1);
  return { params, size };
}

function buildParam(spec: ParameterSpec, field: string, issues: Issues): Param | undefined {
  const fs = spec.feasibleSpace ?? {};
  switch (spec.parameterType) {
    case 'int':
    case 'double':
      return buildNumeric(spec, `${field}.feasibleSpace`, issues);
    case 'discrete':
      return buildDiscrete(spec.name, fs.list, `${field}.feasibleSpace.list`, issues);
    case 'categorical':
      return buildCategorical(spec.name, fs.list, `${field}.feasibleSpace.list`, issues);
    default:
      issues.add(`${field}.parameterType`, spec.parameterType, `must be one of ${TYPES.join(', ')}`);
      return undefined;
  }
}

function given(text: string | undefined): text is string {
  return typeof text === 'string' && text.trim() !== '';
}

function buildNumeric(
  spec: ParameterSpec,
  field: string,
  issues: Issues,
): IntParam | DoubleParam | undefined {
  const fs = spec.feasibleSpace ?? {};
  const isInt = spec.parameterType === 'int';
  const before = issues.list.length;
  const read = (key: 'min' | 'max' | 'step'): number | undefined => {
    const text = fs[key];
    if (!given(text)) {
      if (key !== 'step')
        issues.add(`${field}.${key}`, text, `is required for ${spec.parameterType} parameters`);
      return undefined;
    }
    const value = parseDecimal(text);
    if (value === undefined) issues.add(`${field}.${key}`, text, 'must be a finite decimal number');
    else if (isInt && !Number.isSafeInteger(value)) {
      issues.add(`${field}.${key}`, text, 'must be an integer for int parameters');
    } else return value;
    return undefined;
  };
  const min = read('min');
  const max = read('max');
  const stepValue = read('step');
  const distribution = given(fs.distribution) ? fs.distribution : 'uniform';
  if (!DISTRIBUTIONS.includes(distribution)) {
    issues.add(`${field}.distribution`, fs.distribution, `must be one of ${DISTRIBUTIONS.join(', ')}`);
  }
  if (min !== undefined && max !== undefined && min > max) {
    issues.add(`${field}.max`, fs.max, `must not be below min (${fs.min})`);
  }
  if (stepValue !== undefined && stepValue <= 0)
    issues.add(`${field}.step`, fs.step, 'must be greater than 0');
  const log = distribution === 'logUniform' || distribution === 'logNormal';
  if (log && min !== undefined && min <= 0) {
    issues.add(`${field}.min`, fs.min, `must be greater than 0 for the ${distribution} distribution`);
  }
  if (issues.list.length > before || min === undefined || max === undefined) return undefined;

  const step = isInt ? (stepValue ?? 1) : stepValue;
  // The epsilon keeps max on the grid when (max - min) / step is whole up to binary noise.
  const count =
    step !== undefined
      ? Math.floor(((max - min) / step) * (1 + 1e-12) + 1e-9) + 1
      : min === max
        ? 1
        : Number.POSITIVE_INFINITY;
  if (isInt) return { kind: 'int', name: spec.name, min, max, step: step ?? 1, distribution, count };
  if (step === undefined) return { kind: 'double', name: spec.name, min, max, distribution, count };
  const decimals = Math.max(decimalPlaces(fs.min ?? ''), decimalPlaces(fs.step ?? ''));
  return { kind: 'double', name: spec.name, min, max, step, distribution, count, decimals };
}

function checkList(list: unknown, field: string, issues: Issues): string[] | undefined {
  if (!Array.isArray(list) || list.length === 0) {
    issues.add(field, list, 'must list at least one value');
    return undefined;
  }
  const bad = list.findIndex((item) => typeof item !== 'string');
  if (bad >= 0) {
    issues.add(`${field}[${bad}]`, list[bad], 'must be a string');
    return undefined;
  }
  return list as string[];
}

function buildDiscrete(
  name: string,
  list: unknown,
  field: string,
  issues: Issues,
): DiscreteParam | undefined {
  const labels = checkList(list, field, issues);
  if (labels === undefined) return undefined;
  const values: number[] = [];
  let ok = true;
  labels.forEach((label, i) => {
    const value = parseDecimal(label);
    if (value === undefined) {
      issues.add(`${field}[${i}]`, label, 'must be a finite decimal number for discrete parameters');
      ok = false;
    } else if (values.includes(value)) {
      issues.add(`${field}[${i}]`, label, 'repeats an earlier value; list values must be distinct');
      ok = false;
    }
    values.push(value ?? Number.NaN);
  });
  if (!ok) return undefined;
  const ascending = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  return { kind: 'discrete', name, labels, values, ascending, count: labels.length };
}

function buildCategorical(
  name: string,
  list: unknown,
  field: string,
  issues: Issues,
): CategoricalParam | undefined {
  const items = checkList(list, field, issues);
  if (items === undefined) return undefined;
  const dup = items.findIndex((item, i) => items.indexOf(item) !== i);
  if (dup >= 0) {
    issues.add(`${field}[${dup}]`, items[dup], 'repeats an earlier value; list values must be distinct');
    return undefined;
  }
  return { kind: 'categorical', name, list: items, count: items.length };
}
