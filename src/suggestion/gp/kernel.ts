/**
 * Matérn 5/2 with one length scale per input dimension (ARD), plus a signal variance and a
 * Gaussian noise variance, all in the unit cube and on normalised losses.
 *
 * Inputs are one coordinate per parameter. A numeric parameter's coordinate is its unit-cube
 * position; a categorical parameter's coordinate is the index of its category, and two points
 * differ by 1 (squared) when their categories differ, 0 when they agree: one-hot encoding with
 * a single length scale per categorical parameter, without the extra coordinates.
 */
export interface KernelParams {
  lengthscales: Float64Array;
  signal: number;
  noise: number;
}

/** The layout of the inputs: `categorical[d]` is 1 for a categorical coordinate. */
export interface InputLayout {
  dims: number;
  categorical: Uint8Array;
}

export const SQRT5 = Math.sqrt(5);

/** The kernel for fixed hyperparameters (methods, so hot loops call them directly). */
export class Matern52 {
  readonly invSquared: Float64Array;
  readonly signal: number;

  constructor(
    readonly layout: InputLayout,
    readonly params: KernelParams,
  ) {
    this.invSquared = params.lengthscales.map((l) => 1 / (l * l));
    this.signal = params.signal;
  }

  /** Σ_d δ_d² / ℓ_d² between a[ai..] and b[bi..], δ as described above. */
  distance(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number): number {
    const { dims, categorical } = this.layout;
    const inv = this.invSquared;
    let r2 = 0;
    for (let d = 0; d < dims; d++) {
      if (categorical[d] === 1) {
        if (a[ai + d] !== b[bi + d]) r2 += inv[d]!;
      } else {
        const t = a[ai + d]! - b[bi + d]!;
        r2 += t * t * inv[d]!;
      }
    }
    return r2;
  }

  /** k(r) = σ² (1 + √5 r + 5r²/3) exp(-√5 r), from r². */
  value(r2: number): number {
    const r = Math.sqrt(r2);
    return this.signal * (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
  }

  /**
   * -(dk/dr)/r = σ² (5/3)(1 + √5 r) exp(-√5 r), finite at r = 0; then
   * ∂k/∂x_d = -slope · (x_d - x'_d)/ℓ_d².
   */
  slope(r2: number): number {
    const r = Math.sqrt(r2);
    return this.signal * (5 / 3) * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r);
  }

  covariance(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number): number {
    return this.value(this.distance(a, ai, b, bi));
  }
}
