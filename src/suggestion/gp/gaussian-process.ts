import { type InputLayout, type KernelParams, Matern52 } from './kernel.js';
import { Factor } from './linalg.js';

/** Posterior of the latent function at one point, with gradients when asked for. */
export interface Prediction {
  mean: number;
  variance: number;
}

/**
 * A Gaussian process posterior over fixed hyperparameters, on inputs laid out as InputLayout and
 * normalised losses. Lives for one suggest call. Points (real or fantasy) can be appended, which
 * extends the Cholesky factor in O(n²) instead of refactoring.
 */
export class GaussianProcess {
  readonly kernel: Matern52;
  /** Inputs, `capacity` rows of `layout.dims`. */
  readonly X: Float64Array;
  readonly y: Float64Array;
  /** L⁻¹ y. */
  readonly w: Float64Array;
  #alpha: Float64Array | undefined;

  private constructor(
    readonly layout: InputLayout,
    readonly params: KernelParams,
    readonly factor: Factor,
    X: Float64Array,
    y: Float64Array,
  ) {
    this.kernel = new Matern52(layout, params);
    this.X = X;
    this.y = y;
    this.w = new Float64Array(factor.capacity);
    this.w.set(factor.forward(y.subarray(0, factor.n)));
  }

  /**
   * The posterior given n training points (rows of X) and losses y, with room for `capacity`
   * points in all. Undefined when the covariance cannot be factored even with jitter.
   */
  static create(
    layout: InputLayout,
    params: KernelParams,
    X: ArrayLike<number>,
    y: ArrayLike<number>,
    n: number,
    capacity = n,
  ): GaussianProcess | undefined {
    const dims = layout.dims;
    const kernel = new Matern52(layout, params);
    const K = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      K[i * n + i] = params.signal + params.noise;
      for (let j = 0; j < i; j++) {
        const k = kernel.covariance(X, i * dims, X, j * dims);
        K[i * n + j] = k;
        K[j * n + i] = k;
      }
    }
    const factor = Factor.of(K, n, capacity);
    if (factor === undefined) return undefined;
    const ownX = new Float64Array(capacity * dims);
    for (let i = 0; i < n * dims; i++) ownX[i] = X[i]!;
    const ownY = new Float64Array(capacity);
    for (let i = 0; i < n; i++) ownY[i] = y[i]!;
    return new GaussianProcess(layout, params, factor, ownX, ownY);
  }

  get n(): number {
    return this.factor.n;
  }

  /** The prior covariance k(a, b) of the points at a[ai..] and b[bi..]. */
  covariance(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number): number {
    return this.kernel.covariance(a, ai, b, bi);
  }

  /** k(x, X_i) for every training point i. */
  cross(x: ArrayLike<number>, offset = 0): Float64Array {
    const { dims } = this.layout;
    const out = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) {
      out[i] = this.kernel.covariance(x, offset, this.X, i * dims);
    }
    return out;
  }

  /** L⁻¹ k(x, X): what the mean and variance at x are made of (see fromForward). */
  forward(x: ArrayLike<number>, offset = 0): Float64Array {
    return this.factor.forward(this.cross(x, offset));
  }

  /** Mean and variance from v = L⁻¹ k(x, X), using the first `rows` training points. */
  fromForward(v: Float64Array, rows = this.n): Prediction {
    let mean = 0;
    let explained = 0;
    for (let i = 0; i < rows; i++) {
      mean += v[i]! * this.w[i]!;
      explained += v[i]! * v[i]!;
    }
    return { mean, variance: Math.max(this.params.signal - explained, 1e-12 * this.params.signal) };
  }

  predict(x: ArrayLike<number>): Prediction {
    return this.fromForward(this.forward(x));
  }

  /**
   * Mean and variance at x with their gradients in the numeric coordinates (categorical
   * coordinates get 0): ∂μ = Σ ∂k_i α_i, ∂σ² = -2 Σ ∂k_i (K⁻¹k)_i.
   */
  predictWithGradient(x: ArrayLike<number>, dMean: Float64Array, dVariance: Float64Array): Prediction {
    const { dims, categorical } = this.layout;
    const k = this.cross(x);
    const v = this.factor.forward(k);
    const Kk = this.factor.backward(v);
    const alpha = this.alpha();
    dMean.fill(0);
    dVariance.fill(0);
    for (let i = 0; i < this.n; i++) {
      const at = i * dims;
      const slope = this.kernel.slope(this.kernel.distance(x, 0, this.X, at));
      for (let d = 0; d < dims; d++) {
        if (categorical[d] === 1) continue;
        const dk = -slope * (x[d]! - this.X[at + d]!) * this.kernel.invSquared[d]!;
        dMean[d] = dMean[d]! + dk * alpha[i]!;
        dVariance[d] = dVariance[d]! - 2 * dk * Kk[i]!;
      }
    }
    return this.fromForward(v);
  }

  /** K⁻¹ y, recomputed after points are appended. */
  alpha(): Float64Array {
    if (this.#alpha === undefined || this.#alpha.length !== this.n) {
      this.#alpha = this.factor.backward(this.w.subarray(0, this.n));
    }
    return this.#alpha;
  }

  /**
   * Appends a point with loss y. Returns the new row of L (diagonal last), which callers use to
   * extend their own L⁻¹k vectors, or undefined when the point was not added (a numerical copy
   * of a point already in, or no room left).
   */
  append(x: ArrayLike<number>, y: number): Float64Array | undefined {
    const { dims } = this.layout;
    const n = this.n;
    const row = this.factor.append(this.cross(x), this.params.signal + this.params.noise);
    if (row === undefined) return undefined;
    for (let d = 0; d < dims; d++) this.X[n * dims + d] = x[d]!;
    this.y[n] = y;
    let s = y;
    for (let i = 0; i < n; i++) s -= row[i]! * this.w[i]!;
    this.w[n] = s / row[n]!;
    this.#alpha = undefined;
    return row;
  }
}
