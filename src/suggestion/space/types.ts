import type { Distribution } from '../../api/experiment.js';

/**
 * A typed search space, built once per request from `spec.parameters` (see buildSearchSpace).
 * Every algorithm works on these types, never on the experiment's strings.
 */
interface NumericBase {
  name: string;
  min: number;
  max: number;
  distribution: Distribution;
  /** How many step points lie in [min, max]; Infinity for a double without step. */
  count: number;
}

export interface IntParam extends NumericBase {
  kind: 'int';
  /** Katib's default for int is 1. */
  step: number;
}

export interface DoubleParam extends NumericBase {
  kind: 'double';
  step?: number;
  /**
   * Decimal places of min and step as written, so step points print as `0.3`, not as
   * `0.30000000000000004`; undefined without step or when too fine to matter.
   */
  decimals?: number;
}

/** A numeric list; values are compared as numbers and printed as the list wrote them. */
export interface DiscreteParam {
  kind: 'discrete';
  name: string;
  /** The list as given (how values are printed). */
  labels: readonly string[];
  /** `labels` parsed, in list order. */
  values: readonly number[];
  /** Indices into `values` in ascending value order (unit-cube order). */
  ascending: readonly number[];
  count: number;
}

export interface CategoricalParam {
  kind: 'categorical';
  name: string;
  list: readonly string[];
  count: number;
}

export type Param = IntParam | DoubleParam | DiscreteParam | CategoricalParam;

/** int, double and discrete values are numbers; categorical values are their strings. */
export type Value = number | string;

/** One value per parameter, in the order of `SearchSpace.params`. */
export type Point = readonly Value[];

export interface SearchSpace {
  params: readonly Param[];
  /** The number of distinct points; Infinity when a double has no step. */
  size: number;
}

/** True for int and for double with a step: values live on min + k*step. */
export function isStepped(param: Param): param is IntParam | (DoubleParam & { step: number }) {
  return param.kind === 'int' || (param.kind === 'double' && param.step !== undefined);
}

export function isLogScale(param: IntParam | DoubleParam): boolean {
  return param.distribution === 'logUniform' || param.distribution === 'logNormal';
}
