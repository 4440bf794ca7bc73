import { isLogScale, type Param, type Point, type SearchSpace, toUnit, type Value } from '../space/index.js';

/** Finite numeric parameters with more points than this are modelled as continuous. */
const CELL_LIMIT = 1000;

/**
 * How TPE models one parameter:
 * - numeric (int, double, discrete): a coordinate in [0, 1] (the unit cube of space/, log scale
 *   for logUniform and logNormal). `cells` > 0 when the parameter has that many equally wide
 *   cells there (int and stepped double on a linear scale, discrete): densities are then the
 *   kernels' masses over a cell, so that a step is one outcome, not a point of a continuum.
 *   The prior kernel sits at 0.5 with width `priorSigma`: 1 (the whole range) for uniform
 *   parameters, 1/6 for normal ones (Katib reads normal as mean (min+max)/2, sigma (max-min)/6).
 * - categorical: the index of the value in the list.
 */
export type Dim = NumericDim | CategoricalDim;

export interface NumericDim {
  kind: 'numeric';
  cells: number;
  priorSigma: number;
}

export interface CategoricalDim {
  kind: 'categorical';
  count: number;
}

export function dimsOf(space: SearchSpace): Dim[] {
  return space.params.map((param): Dim => {
    if (param.kind === 'categorical') return { kind: 'categorical', count: param.count };
    if (param.kind === 'discrete') return { kind: 'numeric', cells: cellsOf(param.count), priorSigma: 1 };
    const normal = param.distribution === 'normal' || param.distribution === 'logNormal';
    const linearSteps = param.step !== undefined && !isLogScale(param);
    return {
      kind: 'numeric',
      cells: linearSteps ? cellsOf(param.count) : 0,
      priorSigma: normal ? 1 / 6 : 1,
    };
  });
}

function cellsOf(count: number): number {
  return count <= CELL_LIMIT ? count : 0;
}

/** The model coordinate of a value (see Dim). */
export function encodeValue(param: Param, value: Value): number {
  return param.kind === 'categorical'
    ? Math.max(0, param.list.indexOf(value as string))
    : toUnit(param, value);
}

/** Writes the coordinates of `point` into `out` at `offset`. */
export function encodePoint(space: SearchSpace, point: Point, out: Float64Array, offset: number): void {
  const params = space.params;
  for (let d = 0; d < params.length; d++) out[offset + d] = encodeValue(params[d]!, point[d]!);
}
