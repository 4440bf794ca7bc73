import type { Rng } from '../rng.js';
import { fromUnit, type Point, type SearchSpace, toUnit, type Value } from '../space/index.js';
import type { InputLayout } from './kernel.js';

/*
 * Model inputs, one coordinate per parameter (see kernel.ts): int, double and discrete live at
 * their unit-cube position (log scale for logUniform/logNormal, the centre of their step cell for
 * int and stepped doubles, so ints and steps are rounded by construction); categorical at the
 * index of the category. normal and logNormal are searched as uniform and logUniform over
 * [min, max]: a GP has no use for the prior.
 */

export function layoutOf(space: SearchSpace): InputLayout {
  return {
    dims: space.params.length,
    categorical: Uint8Array.from(space.params, (p) => (p.kind === 'categorical' ? 1 : 0)),
  };
}

export function encode(
  space: SearchSpace,
  point: Point,
  out: Float64Array = new Float64Array(space.params.length),
  offset = 0,
): Float64Array {
  space.params.forEach((param, d) => {
    out[offset + d] =
      param.kind === 'categorical' ? param.list.indexOf(point[d] as string) : toUnit(param, point[d]!);
  });
  return out;
}

export function decode(space: SearchSpace, x: ArrayLike<number>, offset = 0): Point {
  return space.params.map((param, d): Value => {
    const at = x[offset + d]!;
    return param.kind === 'categorical' ? param.list[Math.round(at)]! : fromUnit(param, at);
  });
}

/** The inputs of the feasible point nearest to x (steps and ints rounded), written in place. */
export function snapInputs(space: SearchSpace, x: Float64Array, offset = 0): void {
  encode(space, decode(space, x, offset), x, offset);
}

/** A uniform random feasible point's inputs, written at `offset`. */
export function randomInputs(space: SearchSpace, rng: Rng, out: Float64Array, offset = 0): void {
  space.params.forEach((param, d) => {
    out[offset + d] = param.kind === 'categorical' ? rng.int(0, param.count - 1) : rng.float();
  });
  snapInputs(space, out, offset);
}
