import type { SearchSpace } from '../space/index.js';
import { type AcquisitionName, score, scoreSlope } from './acquisition.js';
import { snapInputs } from './encoding.js';
import type { GaussianProcess } from './gaussian-process.js';
import { minimize } from './lbfgs.js';

export const REFINE_ITERATIONS = 30;

/**
 * Local refinement of a candidate: L-BFGS on the acquisition over the numeric coordinates, ints
 * and steps relaxed to real numbers, categories held at the start's; then the result is snapped
 * to the nearest feasible point and scored again (snapping can cost score, so the caller compares
 * it with the unrefined candidate). Returns the snapped inputs and their score.
 */
export function refine(
  gp: GaussianProcess,
  space: SearchSpace,
  name: AcquisitionName,
  best: number,
  start: Float64Array,
): { x: Float64Array; score: number } {
  const dims = start.length;
  const lower = new Float64Array(dims);
  const upper = new Float64Array(dims);
  space.params.forEach((param, d) => {
    const fixed = param.kind === 'categorical' || param.count === 1;
    lower[d] = fixed ? start[d]! : 0;
    upper[d] = fixed ? start[d]! : 1;
  });
  const dMean = new Float64Array(dims);
  const dVariance = new Float64Array(dims);
  const objective = (x: Float64Array, grad: Float64Array): number => {
    const p = gp.predictWithGradient(x, dMean, dVariance);
    const sd = Math.sqrt(p.variance);
    const s = scoreSlope(name, p.mean, sd, best);
    for (let d = 0; d < dims; d++) grad[d] = -(s.dMean * dMean[d]! + (s.dSd * dVariance[d]!) / (2 * sd));
    return -s.value;
  };
  const result = minimize(objective, start, lower, upper, {
    maxIterations: REFINE_ITERATIONS,
    relativeTolerance: 1e-6,
    gradientTolerance: 1e-8,
  });
  const x = result.x;
  snapInputs(space, x);
  const p = gp.predict(x);
  return { x, score: score(name, p.mean, Math.sqrt(p.variance), best) };
}
