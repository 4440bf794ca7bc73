import type { Rng } from '../rng.js';
import { searchCumulative } from './normal.js';

/**
 * The categorical kernel of one observation (Optuna's choice): mass 1 on the observed value
 * plus `priorWeight / (n + 1)` on every value, normalised; the prior kernel is uniform. Returns
 * [probability of the observed value, probability of each other value].
 */
export function categoricalKernel(count: number, n: number, priorWeight: number): [number, number] {
  const smoothing = priorWeight / (n + 1);
  const total = 1 + count * smoothing;
  return [(1 + smoothing) / total, smoothing / total];
}

/**
 * A univariate estimator over a categorical parameter's indices: the weighted mixture of the
 * observations' kernels and the uniform prior, which is itself a categorical distribution.
 */
export class CategoricalParzen {
  readonly #probability: Float64Array;
  readonly #cumulative: Float64Array;
  readonly #count: number;

  /** `observed[0..n)` are indices in [0, count); weights as in NumericParzen. */
  constructor(count: number, observed: Float64Array, weights: Float64Array, n: number, priorWeight: number) {
    this.#count = count;
    const probability = new Float64Array(count);
    const [hit, miss] = categoricalKernel(count, n, priorWeight);
    let total = priorWeight;
    for (let i = 0; i < n; i++) total += weights[i]!;
    let spread = priorWeight / count;
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      spread += w * miss;
      probability[observed[i]!]! += w * (hit - miss);
    }
    let running = 0;
    this.#cumulative = new Float64Array(count);
    for (let c = 0; c < count; c++) {
      probability[c] = (probability[c]! + spread) / total;
      running += probability[c]!;
      this.#cumulative[c] = running;
    }
    this.#cumulative[count - 1] = Number.POSITIVE_INFINITY;
    this.#probability = probability;
  }

  sample(rng: Rng, out: Float64Array, count: number, offset = 0, stride = 1): void {
    for (let k = 0; k < count; k++) {
      out[offset + k * stride] = searchCumulative(this.#cumulative, this.#count, rng.float());
    }
  }

  logDensity(xs: Float64Array, count: number, out: Float64Array, offset = 0, stride = 1): void {
    for (let k = 0; k < count; k++) out[k] = Math.log(this.#probability[xs[offset + k * stride]!]!);
  }
}
