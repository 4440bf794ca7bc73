import { Rng } from '../rng.js';

/**
 * Row `row` of a seeded Latin hypercube of `size` rows in [0,1]^dims: each coordinate's `size`
 * equal strata are used once across the rows. The whole design follows from the seed alone, so
 * calls that each ask for a few rows (stateless, one history length at a time) still together
 * hand out one hypercube.
 */
export function latinHypercubeRow(seed: number, size: number, dims: number, row: number): number[] {
  const rng = new Rng(seed);
  const out: number[] = [];
  for (let d = 0; d < dims; d++) {
    // Fisher-Yates over the strata; only the position of `row` is needed, but the whole
    // permutation keeps the draws of every coordinate independent of `row`.
    const strata = Array.from({ length: size }, (_, i) => i);
    for (let i = size - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [strata[i], strata[j]] = [strata[j]!, strata[i]!];
    }
    const jitter = Array.from({ length: size }, () => rng.float());
    out.push((strata[row]! + jitter[row]!) / size);
  }
  return out;
}
