import type { Rng } from '../rng.js';
import { neighbourSigmas } from './bandwidth.js';
import type { Dim } from './dims.js';
import { CategoricalParzen } from './parzen-categorical.js';
import { JointParzen } from './parzen-joint.js';
import { NumericParzen } from './parzen-numeric.js';
import { groupWeights } from './split.js';

export interface ModelOptions {
  priorWeight: number;
  /** Draws from l(x) among which the best l(x)/g(x) wins. */
  candidates: number;
  multivariate: boolean;
  /** Kernel widths of the joint good density l(x) times this (< 1 exploits more). */
  jointGoodBandwidth: number;
}

interface Estimator {
  sample(rng: Rng, out: Float64Array, count: number): void;
  logDensity(xs: Float64Array, count: number, out: Float64Array): void;
}

/**
 * The two densities of TPE over model coordinates (see Dim): l(x) from the good trials and
 * g(x) from the bad ones, and the choice of the candidate with the largest l(x)/g(x), which
 * maximises expected improvement (Bergstra et al. 2011). Points handed out but not yet
 * evaluated join the bad group (the constant liar: they are assumed to turn out badly), so a
 * batch, or suggestions made while trials run, spreads out instead of repeating itself.
 * Lives for one suggest call.
 */
export class TpeModel {
  readonly #dims: readonly Dim[];
  readonly #options: ModelOptions;
  readonly #good: Estimator[];
  #bad: Estimator[] | undefined;
  /** Bad rows (creation order) then pending rows, row-major. */
  #badRows: Float64Array;
  #badCount: number;
  readonly #candidates: Float64Array;
  readonly #goodLog: Float64Array;
  readonly #badLog: Float64Array;

  /**
   * @param good rows (row-major, dims.length each) of the good group in creation order
   * @param bad rows of the bad group in creation order, then the pending points
   */
  constructor(dims: readonly Dim[], options: ModelOptions, good: Float64Array, bad: Float64Array) {
    const d = dims.length;
    this.#dims = dims;
    this.#options = options;
    this.#good = this.#build(good, good.length / Math.max(d, 1), options.jointGoodBandwidth);
    this.#badRows = bad;
    this.#badCount = bad.length / Math.max(d, 1);
    const c = options.candidates;
    this.#candidates = new Float64Array(options.multivariate ? c * d : c);
    this.#goodLog = new Float64Array(c);
    this.#badLog = new Float64Array(c);
  }

  /** Adds a point handed out in this call to the bad group (constant liar). */
  addPending(coords: Float64Array): void {
    const d = this.#dims.length;
    const need = (this.#badCount + 1) * d;
    if (need > this.#badRows.length) {
      const grown = new Float64Array(Math.max(need, 2 * this.#badRows.length));
      grown.set(this.#badRows.subarray(0, this.#badCount * d));
      this.#badRows = grown;
    }
    this.#badRows.set(coords, this.#badCount * d);
    this.#badCount++;
    this.#bad = undefined;
  }

  /** The next point in model coordinates, written into `out` (dims.length entries). */
  next(rng: Rng, out: Float64Array): void {
    this.#bad ??= this.#build(this.#badRows, this.#badCount);
    const bad = this.#bad;
    const c = this.#options.candidates;
    const cand = this.#candidates;
    if (this.#options.multivariate) {
      const d = this.#dims.length;
      this.#good[0]!.sample(rng, cand, c);
      this.#good[0]!.logDensity(cand, c, this.#goodLog);
      bad[0]!.logDensity(cand, c, this.#badLog);
      const best = this.#argmax(c);
      for (let j = 0; j < d; j++) out[j] = cand[best * d + j]!;
      return;
    }
    this.#dims.forEach((_, j) => {
      this.#good[j]!.sample(rng, cand, c);
      this.#good[j]!.logDensity(cand, c, this.#goodLog);
      bad[j]!.logDensity(cand, c, this.#badLog);
      out[j] = cand[this.#argmax(c)]!;
    });
  }

  #argmax(count: number): number {
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < count; k++) {
      const score = this.#goodLog[k]! - this.#badLog[k]!;
      if (score > bestScore) {
        bestScore = score;
        best = k;
      }
    }
    return best;
  }

  #build(rows: Float64Array, n: number, jointScale = 1): Estimator[] {
    const d = this.#dims.length;
    const weights = new Float64Array(Math.max(n, 1));
    groupWeights(n, weights);
    const prior = this.#options.priorWeight;
    if (this.#options.multivariate) return [new JointParzen(this.#dims, rows, weights, n, prior, jointScale)];
    const column = new Float64Array(Math.max(n, 1));
    const sigmas = new Float64Array(Math.max(n, 1));
    const scratch = new Float64Array(n + 1);
    return this.#dims.map((dim, j) => {
      for (let i = 0; i < n; i++) column[i] = rows[i * d + j]!;
      if (dim.kind === 'categorical') return new CategoricalParzen(dim.count, column, weights, n, prior);
      neighbourSigmas(column, n, 0.5, sigmas, scratch);
      return new NumericParzen(dim, column, sigmas, weights, n, prior);
    });
  }
}
