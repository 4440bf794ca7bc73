import type { Rng } from '../rng.js';
import type { NumericDim } from './dims.js';
import { phi, SQRT_2PI, searchCumulative, truncatedDraw } from './normal.js';

/**
 * A univariate Parzen estimator on [0, 1]: a weighted mixture of normal kernels truncated to
 * [0, 1], one per observation plus the prior kernel (the last component). Built once per
 * request, then asked for draws and densities in batches into caller-owned typed arrays.
 */
export class NumericParzen {
  readonly size: number;
  readonly #dim: NumericDim;
  readonly #mu: Float64Array;
  readonly #sigma: Float64Array;
  /** Phi((0 - mu) / sigma): the CDF at the lower end. */
  readonly #low: Float64Array;
  /** The kernel's mass inside [0, 1]. */
  readonly #mass: Float64Array;
  readonly #cumulative: Float64Array;
  /** weight / (sigma * mass * sqrt(2 pi)): the kernel's density factor. */
  readonly #coef: Float64Array;
  /** weight / mass, for cell masses. */
  readonly #cellCoef: Float64Array;
  /**
   * The observation kernels (not the prior) bucketed by centre: bucket b holds the positions
   * #order[#start[b] .. #start[b+1]). A density only visits the buckets within 8 of the widest
   * observation kernel's sigmas of x; farther kernels add less than 1e-13 of the prior's share.
   */
  readonly #buckets: number;
  readonly #start: Int32Array;
  readonly #order: Int32Array;
  readonly #reach: number;

  /**
   * @param mus observations' coordinates, `n` of them
   * @param sigmas their kernel widths
   * @param weights their (unnormalised) weights
   * @param priorWeight the prior kernel's weight, on the same scale as `weights`
   */
  constructor(
    dim: NumericDim,
    mus: Float64Array,
    sigmas: Float64Array,
    weights: Float64Array,
    n: number,
    priorWeight: number,
  ) {
    const size = n + 1;
    this.size = size;
    this.#dim = dim;
    this.#mu = new Float64Array(size);
    this.#sigma = new Float64Array(size);
    this.#low = new Float64Array(size);
    this.#mass = new Float64Array(size);
    this.#cumulative = new Float64Array(size);
    this.#coef = new Float64Array(size);
    this.#cellCoef = new Float64Array(size);
    this.#mu.set(mus.subarray(0, n));
    this.#sigma.set(sigmas.subarray(0, n));
    this.#mu[n] = 0.5;
    this.#sigma[n] = dim.priorSigma;
    let total = priorWeight;
    for (let i = 0; i < n; i++) total += weights[i]!;
    let running = 0;
    for (let i = 0; i < size; i++) {
      const w = (i < n ? weights[i]! : priorWeight) / total;
      const mu = this.#mu[i]!;
      const sigma = this.#sigma[i]!;
      const low = phi(-mu / sigma);
      const mass = Math.max(phi((1 - mu) / sigma) - low, 1e-300);
      this.#low[i] = low;
      this.#mass[i] = mass;
      running += w;
      this.#cumulative[i] = running;
      this.#coef[i] = w / (sigma * mass * SQRT_2PI);
      this.#cellCoef[i] = w / mass;
    }
    this.#cumulative[size - 1] = Number.POSITIVE_INFINITY; // rounding never leaves a draw unmatched
    this.#buckets = Math.max(1, Math.min(1024, Math.ceil(n / 2)));
    this.#start = new Int32Array(this.#buckets + 1);
    this.#order = new Int32Array(n);
    let widest = 0;
    for (let i = 0; i < n; i++) {
      this.#start[this.#bucketOf(this.#mu[i]!) + 1]!++;
      widest = Math.max(widest, this.#sigma[i]!);
    }
    for (let b = 0; b < this.#buckets; b++) this.#start[b + 1]! += this.#start[b]!;
    const fill = this.#start.slice(0, this.#buckets);
    for (let i = 0; i < n; i++) this.#order[fill[this.#bucketOf(this.#mu[i]!)]!++] = i;
    this.#reach = 8 * widest;
  }

  #bucketOf(x: number): number {
    return Math.min(this.#buckets - 1, Math.max(0, Math.floor(x * this.#buckets)));
  }

  /** `count` draws into `out[offset + k * stride]`. */
  sample(rng: Rng, out: Float64Array, count: number, offset = 0, stride = 1): void {
    for (let k = 0; k < count; k++) {
      const i = searchCumulative(this.#cumulative, this.size, rng.float());
      out[offset + k * stride] = truncatedDraw(
        this.#mu[i]!,
        this.#sigma[i]!,
        this.#low[i]!,
        this.#mass[i]!,
        rng.float(),
      );
    }
  }

  /** log density (or log cell mass, see NumericDim.cells) of `xs[offset + k * stride]` into `out[k]`. */
  logDensity(xs: Float64Array, count: number, out: Float64Array, offset = 0, stride = 1): void {
    const cells = this.#dim.cells;
    for (let k = 0; k < count; k++) {
      const x = xs[offset + k * stride]!;
      out[k] = Math.log(cells > 0 ? this.#cellMass(x, cells) : this.#density(x));
    }
  }

  #density(x: number): number {
    const mu = this.#mu;
    const sigma = this.#sigma;
    const coef = this.#coef;
    const order = this.#order;
    const prior = this.size - 1;
    const zp = (x - mu[prior]!) / sigma[prior]!;
    let sum = coef[prior]! * Math.exp(-0.5 * zp * zp);
    const end = this.#start[this.#bucketOf(x + this.#reach) + 1]!;
    for (let k = this.#start[this.#bucketOf(x - this.#reach)]!; k < end; k++) {
      const i = order[k]!;
      const z = (x - mu[i]!) / sigma[i]!;
      sum += coef[i]! * Math.exp(-0.5 * z * z);
    }
    return sum;
  }

  #cellMass(x: number, cells: number): number {
    const k = Math.min(cells - 1, Math.max(0, Math.floor(x * cells)));
    const lo = k / cells;
    const hi = (k + 1) / cells;
    let sum = 0;
    for (let i = 0; i < this.size; i++) {
      const mu = this.#mu[i]!;
      const sigma = this.#sigma[i]!;
      sum += this.#cellCoef[i]! * (phi((hi - mu) / sigma) - phi((lo - mu) / sigma));
    }
    return sum;
  }
}
