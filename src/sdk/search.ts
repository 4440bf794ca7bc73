/**
 * Search spaces as Katib's SDK writes them (`katib.search.int(min, max, step)`), as typed
 * TypeScript builders: each returns a Katib parameter spec without its name (the name is the key
 * under `tune({parameters})`), with min, max, step and list entries as the strings Katib stores.
 * The type remembers what the objective receives: a number for int, double and discrete, a string
 * (the literal union of the list, with `as const`) for categorical.
 */
import { invalidArgument } from '../api/errors.js';
import type { Distribution } from '../api/experiment.js';

export interface IntSearch {
  readonly parameterType: 'int';
  readonly feasibleSpace: { min: string; max: string; step?: string; distribution?: Distribution };
}
export interface DoubleSearch {
  readonly parameterType: 'double';
  readonly feasibleSpace: { min: string; max: string; step?: string; distribution?: Distribution };
}
export interface DiscreteSearch {
  readonly parameterType: 'discrete';
  readonly feasibleSpace: { list: string[] };
}
export interface CategoricalSearch<T extends string = string> {
  readonly parameterType: 'categorical';
  readonly feasibleSpace: { list: string[] };
  /** Type-level only: the values the objective may receive. */
  readonly __values?: T;
}

export type SearchSpace = IntSearch | DoubleSearch | DiscreteSearch | CategoricalSearch;

/** What an objective receives for each parameter of `P`. */
export type ParameterValues<P extends Record<string, SearchSpace>> = {
  [K in keyof P]: P[K] extends CategoricalSearch<infer T> ? T : number;
};

export interface RangeOptions {
  min: number;
  max: number;
  /** Values are min, min + step, ... <= max. */
  step?: number;
  /** Default uniform. logUniform (and logNormal) need min > 0. */
  distribution?: Distribution;
}

const DISTRIBUTIONS: readonly Distribution[] = ['uniform', 'logUniform', 'normal', 'logNormal'];
const RANGE_KEYS = ['min', 'max', 'step', 'distribution'];

/** `search.int({min, max, step?, distribution?})`: integers from min to max, inclusive. */
function int(options: RangeOptions): IntSearch {
  return { parameterType: 'int', feasibleSpace: range('search.int', options, true) };
}

/** `search.double({min, max, step?, distribution?})`: real numbers from min to max. */
function double(options: RangeOptions): DoubleSearch {
  return { parameterType: 'double', feasibleSpace: range('search.double', options, false) };
}

/** `search.categorical(['sgd', 'adam'] as const)`: one of the strings, as given. */
function categorical<const T extends string>(list: readonly T[]): CategoricalSearch<T> {
  checkList('search.categorical', list, (v) => typeof v === 'string', 'must be a string');
  return { parameterType: 'categorical', feasibleSpace: { list: [...list] } };
}

/** `search.discrete([16, 32, 64])`: one of the numbers. */
function discrete(list: readonly number[]): DiscreteSearch {
  checkList(
    'search.discrete',
    list,
    (v) => typeof v === 'number' && Number.isFinite(v),
    'must be a finite number',
  );
  return { parameterType: 'discrete', feasibleSpace: { list: list.map((v) => String(v)) } };
}

export const search = Object.freeze({ int, double, categorical, discrete });

function range(what: string, options: RangeOptions, integer: boolean): IntSearch['feasibleSpace'] {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw invalidArgument(what, options, 'takes an object {min, max, step?, distribution?}');
  for (const key of Object.keys(options)) {
    if (!RANGE_KEYS.includes(key))
      throw invalidArgument(
        `${what}.${key}`,
        (options as unknown as Record<string, unknown>)[key],
        `is not an option (options: ${RANGE_KEYS.join(', ')})`,
      );
  }
  const kind = integer ? 'an integer' : 'a finite number';
  const number = (key: 'min' | 'max' | 'step', value: unknown): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value)))
      throw invalidArgument(`${what}.${key}`, value, `must be ${kind}`);
    return value;
  };
  const min = number('min', options.min);
  const max = number('max', options.max);
  if (min > max) throw invalidArgument(`${what}.min`, min, `must be <= max (${max})`);
  const space: IntSearch['feasibleSpace'] = { min: String(min), max: String(max) };
  if (options.step !== undefined) {
    const step = number('step', options.step);
    if (step <= 0) throw invalidArgument(`${what}.step`, step, 'must be greater than 0');
    space.step = String(step);
  }
  if (options.distribution !== undefined) {
    if (!DISTRIBUTIONS.includes(options.distribution))
      throw invalidArgument(
        `${what}.distribution`,
        options.distribution,
        `must be one of ${DISTRIBUTIONS.join(', ')}`,
      );
    if ((options.distribution === 'logUniform' || options.distribution === 'logNormal') && min <= 0)
      throw invalidArgument(
        `${what}.min`,
        min,
        `must be greater than 0 for distribution ${options.distribution}`,
      );
    space.distribution = options.distribution;
  }
  return space;
}

function checkList(what: string, list: unknown, ok: (v: unknown) => boolean, rule: string): void {
  if (!Array.isArray(list) || list.length === 0) throw invalidArgument(what, list, 'takes a non-empty list');
  const seen = new Set<unknown>();
  list.forEach((v, i) => {
    if (!ok(v)) throw invalidArgument(`${what}[${i}]`, v, rule);
    if (seen.has(v))
      throw invalidArgument(`${what}[${i}]`, v, 'repeats an earlier entry: entries must be unique');
    seen.add(v);
  });
}
