import type { Rng } from '../rng.js';
import { type Param, type Point, type SearchSpace, sampleValue, snap, type Value } from '../space/index.js';

/** Katib's perturbation factors for int and double values. */
export const PERTURB_FACTORS = [0.8, 1.2] as const;

/**
 * Katib's explore step for one trial's values. Without `resample`, every value is perturbed: an
 * int becomes trunc(v * 0.8 or 1.2), a double v * 0.8 or 1.2 (each clipped into [min, max]); a
 * discrete or categorical value moves to its list neighbour one up or down, wrapping around at
 * both ends. With `resample` p, each value is redrawn from its parameter with probability p and
 * kept otherwise. Numbers are then snapped to the parameter's step (Katib leaves them off the
 * step; katib-ts keeps every assignment feasible).
 */
export function explore(space: SearchSpace, point: Point, rng: Rng, resample: number | undefined): Point {
  return space.params.map((param, i) => {
    const value = point[i]!;
    if (resample === undefined) return perturb(param, value, rng);
    return rng.float() < resample ? sampleValue(param, rng) : value;
  });
}

export function perturb(param: Param, value: Value, rng: Rng): Value {
  switch (param.kind) {
    case 'int':
      return snap(param, Math.trunc((value as number) * rng.pick(PERTURB_FACTORS)));
    case 'double':
      return snap(param, (value as number) * rng.pick(PERTURB_FACTORS));
    case 'discrete':
    case 'categorical': {
      const list: readonly Value[] = param.kind === 'discrete' ? param.values : param.list;
      const at = list.indexOf(value);
      const next = at + rng.pick([-1, 1] as const);
      return list[(next + list.length) % list.length]!;
    }
  }
}
