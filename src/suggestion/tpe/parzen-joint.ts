import type { Rng } from '../rng.js';
import { minSigma, scottSigma } from './bandwidth.js';
import type { Dim } from './dims.js';
import { LOG_SQRT_2PI, phi, searchCumulative, truncatedDraw } from './normal.js';
import { categoricalKernel } from './parzen-categorical.js';

/**
 * The multivariate (joint) Parzen estimator: one product kernel per observation over all
 * parameters, plus the prior's product kernel. Unlike independent estimators it keeps which
 * values went together, so a good region that is a combination of values stays one region.
 * Densities are computed in log space (a product over many parameters can underflow).
 */
export class JointParzen {
  readonly size: number;
  readonly #dims: readonly Dim[];
  /** Row-major [component][dim] coordinates; the prior is the last row. */
  readonly #mu: Float64Array;
  /** Per dim: the kernel width of the observations (one for all of them). */
  readonly #sigma: Float64Array;
  readonly #logWeight: Float64Array;
  readonly #cumulative: Float64Array;
  /** Per [component][dim] of numeric dims: Phi(-mu/sigma) and the mass inside [0, 1]. */
  readonly #low: Float64Array;
  readonly #mass: Float64Array;
  /** Per [component][dim] of continuous numeric dims: -log(sigma * mass * sqrt(2 pi)). */
  readonly #logNorm: Float64Array;
  /** Per dim of categorical dims: log kernel probability [hit, miss] of observations. */
  readonly #logKernel: Float64Array;
  readonly #scratch: Float64Array;
  /** Per dim: 0 continuous numeric, 1 numeric with cells, 2 categorical (the hot loop's switch). */
  readonly #kind: Uint8Array;
  /** Per [component][dim] of numeric dims: 1 / sigma. */
  readonly #invSigma: Float64Array;

  /**
   * `points` holds `n` rows of `dims.length` coordinates; `scale` multiplies the observations'
   * kernel widths (never below the magic clip).
   */
  constructor(
    dims: readonly Dim[],
    points: Float64Array,
    weights: Float64Array,
    n: number,
    priorWeight: number,
    scale = 1,
  ) {
    const d = dims.length;
    const size = n + 1;
    this.size = size;
    this.#dims = dims;
    this.#mu = new Float64Array(size * d);
    this.#mu.set(points.subarray(0, n * d));
    this.#sigma = new Float64Array(d);
    this.#low = new Float64Array(size * d);
    this.#mass = new Float64Array(size * d);
    this.#logNorm = new Float64Array(size * d);
    this.#logKernel = new Float64Array(2 * d);
    this.#scratch = new Float64Array(size);
    this.#kind = Uint8Array.from(dims, (dim) => (dim.kind === 'categorical' ? 2 : dim.cells > 0 ? 1 : 0));
    this.#invSigma = new Float64Array(size * d);
    const sigma = Math.max(scottSigma(n, d) * scale, minSigma(n));
    dims.forEach((dim, j) => {
      if (dim.kind === 'categorical') {
        const [hit, miss] = categoricalKernel(dim.count, n, priorWeight);
        this.#logKernel[2 * j] = Math.log(hit);
        this.#logKernel[2 * j + 1] = Math.log(miss);
        return;
      }
      this.#sigma[j] = sigma;
      this.#mu[n * d + j] = 0.5;
      for (let i = 0; i < size; i++) {
        const mu = this.#mu[i * d + j]!;
        const s = i < n ? sigma : dim.priorSigma;
        const low = phi(-mu / s);
        this.#low[i * d + j] = low;
        const mass = Math.max(phi((1 - mu) / s) - low, 1e-300);
        this.#mass[i * d + j] = mass;
        this.#logNorm[i * d + j] = -Math.log(s * mass) - LOG_SQRT_2PI;
        this.#invSigma[i * d + j] = 1 / s;
      }
    });
    let total = priorWeight;
    for (let i = 0; i < n; i++) total += weights[i]!;
    this.#logWeight = new Float64Array(size);
    this.#cumulative = new Float64Array(size);
    let running = 0;
    for (let i = 0; i < size; i++) {
      const w = (i < n ? weights[i]! : priorWeight) / total;
      this.#logWeight[i] = Math.log(w);
      running += w;
      this.#cumulative[i] = running;
    }
    this.#cumulative[size - 1] = Number.POSITIVE_INFINITY;
  }

  #sigmaOf(i: number, j: number): number {
    const dim = this.#dims[j]!;
    return i === this.size - 1 && dim.kind === 'numeric' ? dim.priorSigma : this.#sigma[j]!;
  }

  /** `count` draws, row-major into `out` (count x dims). */
  sample(rng: Rng, out: Float64Array, count: number): void {
    const d = this.#dims.length;
    const prior = this.size - 1;
    for (let k = 0; k < count; k++) {
      const i = searchCumulative(this.#cumulative, this.size, rng.float());
      for (let j = 0; j < d; j++) {
        const dim = this.#dims[j]!;
        if (dim.kind === 'categorical') {
          // An observation's kernel puts `hit` on its value and `miss` on each other one.
          if (i === prior) out[k * d + j] = rng.int(0, dim.count - 1);
          else {
            const observed = this.#mu[i * d + j]!;
            const hit = rng.float() < Math.exp(this.#logKernel[2 * j]!);
            out[k * d + j] = hit ? observed : otherValue(dim.count, observed, rng);
          }
          continue;
        }
        const at = i * d + j;
        out[k * d + j] = truncatedDraw(
          this.#mu[at]!,
          this.#sigmaOf(i, j),
          this.#low[at]!,
          this.#mass[at]!,
          rng.float(),
        );
      }
    }
  }

  /** log density of each row of `xs` (count x dims) into `out[k]`. */
  logDensity(xs: Float64Array, count: number, out: Float64Array): void {
    const d = this.#dims.length;
    const terms = this.#scratch;
    const kind = this.#kind;
    const mu = this.#mu;
    const invSigma = this.#invSigma;
    const logNorm = this.#logNorm;
    for (let k = 0; k < count; k++) {
      let max = Number.NEGATIVE_INFINITY;
      const row = k * d;
      for (let i = 0; i < this.size; i++) {
        let sum = this.#logWeight[i]!;
        const base = i * d;
        for (let j = 0; j < d; j++) {
          if (kind[j] === 0) {
            const z = (xs[row + j]! - mu[base + j]!) * invSigma[base + j]!;
            sum += logNorm[base + j]! - 0.5 * z * z;
          } else sum += this.#logKernelAt(i, j, xs[row + j]!);
        }
        terms[i] = sum;
        if (sum > max) max = sum;
      }
      let total = 0;
      for (let i = 0; i < this.size; i++) total += Math.exp(terms[i]! - max);
      out[k] = max + Math.log(total);
    }
  }

  #logKernelAt(i: number, j: number, x: number): number {
    const d = this.#dims.length;
    const dim = this.#dims[j]!;
    const at = i * d + j;
    if (dim.kind === 'categorical') {
      if (i === this.size - 1) return -Math.log(dim.count);
      return this.#mu[at] === x ? this.#logKernel[2 * j]! : this.#logKernel[2 * j + 1]!;
    }
    const mu = this.#mu[at]!;
    const sigma = this.#sigmaOf(i, j);
    if (dim.cells > 0) {
      const c = Math.min(dim.cells - 1, Math.max(0, Math.floor(x * dim.cells)));
      const mass = phi(((c + 1) / dim.cells - mu) / sigma) - phi((c / dim.cells - mu) / sigma);
      return Math.log(Math.max(mass, 1e-300) / this.#mass[at]!);
    }
    const z = (x - mu) / sigma;
    return -0.5 * z * z + this.#logNorm[at]!;
  }
}

/** A value other than `except`, uniformly. */
function otherValue(count: number, except: number, rng: Rng): number {
  if (count === 1) return except;
  const v = rng.int(0, count - 2);
  return v >= except ? v + 1 : v;
}
