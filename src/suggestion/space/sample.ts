import type { Rng } from '../rng.js';
import { snap } from './steps.js';
import type { DoubleParam, IntParam, Param, Point, SearchSpace, Value } from './types.js';
import { fromUnit } from './unit-cube.js';

/**
 * Draws one feasible value of a parameter:
 * - uniform: uniform over [min, max] (over the step points when stepped);
 * - logUniform: uniform in log space, then snapped to the step;
 * - normal / logNormal: as Katib's suggestion services read them, mean (min+max)/2 and sigma
 *   (max-min)/6 (in log space for logNormal: +-3 sigma spans [min, max]), then clipped into
 *   [min, max] and snapped to the step;
 * - discrete and categorical: uniform over the list.
 */
export function sampleValue(param: Param, rng: Rng): Value {
  if ((param.kind === 'int' || param.kind === 'double') && param.distribution === 'normal') {
    return snap(param, normalDraw(param, rng, false));
  }
  if ((param.kind === 'int' || param.kind === 'double') && param.distribution === 'logNormal') {
    return snap(param, normalDraw(param, rng, true));
  }
  return fromUnit(param, rng.float());
}

export function samplePoint(space: SearchSpace, rng: Rng): Point {
  return space.params.map((param) => sampleValue(param, rng));
}

function normalDraw(param: IntParam | DoubleParam, rng: Rng, log: boolean): number {
  const lo = log ? Math.log(param.min) : param.min;
  const hi = log ? Math.log(param.max) : param.max;
  const x = (lo + hi) / 2 + ((hi - lo) / 6) * rng.normal();
  return log ? Math.exp(x) : x;
}
