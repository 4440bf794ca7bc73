import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Rng } from '../rng.js';

/** The default population size for n dimensions (Hansen): 4 + ⌊3 ln n⌋. */
export function defaultPopulation(n: number): number {
  return 4 + Math.floor(3 * Math.log(n));
}

/** The constants of the (μ/μ_w, λ)-CMA-ES for n dimensions and population λ (Hansen, 2016). */
interface Constants {
  lambda: number;
  mu: number;
  weights: Float64Array;
  muEff: number;
  cSigma: number;
  dSigma: number;
  cC: number;
  c1: number;
  cMu: number;
  chiN: number;
}

function constants(n: number, lambda: number): Constants {
  const mu = Math.floor(lambda / 2);
  const raw = Float64Array.from({ length: mu }, (_, i) => Math.log((lambda + 1) / 2) - Math.log(i + 1));
  const total = raw.reduce((a, b) => a + b, 0);
  const weights = raw.map((w) => w / total);
  const muEff = 1 / weights.reduce((a, w) => a + w * w, 0);
  const cSigma = (muEff + 2) / (n + muEff + 5);
  const c1 = 2 / ((n + 1.3) ** 2 + muEff);
  return {
    lambda,
    mu,
    weights,
    muEff,
    cSigma,
    dSigma: 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cSigma,
    cC: (4 + muEff / n) / (n + 4 + (2 * muEff) / n),
    c1,
    cMu: Math.min(1 - c1, (2 * (muEff - 2 + 1 / muEff)) / ((n + 2) ** 2 + muEff)),
    chiN: Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n)),
  };
}

/** Resampling attempts for a point inside [0,1]^n before it is clipped. */
const RESAMPLES = 100;

/**
 * One CMA-ES run's distribution N(m, σ² C) over [0,1]^n, with its evolution paths. Positive
 * recombination weights only; C = B D² Bᵀ by ml-matrix's symmetric eigendecomposition after every
 * update. Lives for one suggest call (the run is rebuilt by replaying the history).
 */
export class Strategy {
  readonly c: Constants;
  readonly mean: Float64Array;
  sigma: number;
  readonly C: Float64Array[];
  readonly pSigma: Float64Array;
  readonly pC: Float64Array;
  /** Eigenvectors (columns of B) and the square roots of the eigenvalues. */
  B: Float64Array[];
  D: Float64Array;
  generation = 0;

  constructor(
    readonly n: number,
    lambda: number,
    mean: ArrayLike<number>,
    sigma: number,
  ) {
    this.c = constants(n, lambda);
    this.mean = Float64Array.from(mean);
    this.sigma = sigma;
    this.C = Array.from({ length: n }, (_, i) =>
      Float64Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)),
    );
    this.B = Array.from({ length: n }, (_, i) =>
      Float64Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)),
    );
    this.D = new Float64Array(n).fill(1);
    this.pSigma = new Float64Array(n);
    this.pC = new Float64Array(n);
  }

  get lambda(): number {
    return this.c.lambda;
  }

  /** A draw from N(m, σ²C), redrawn until inside [0,1]^n (clipped after RESAMPLES tries). */
  sample(rng: Rng): Float64Array {
    const { n } = this;
    let x = new Float64Array(n);
    for (let attempt = 0; attempt < RESAMPLES; attempt++) {
      const z = Float64Array.from({ length: n }, (_, i) => this.D[i]! * rng.normal());
      x = this.mean.map((m, i) => {
        let s = 0;
        for (let j = 0; j < n; j++) s += this.B[j]![i]! * z[j]!;
        return m + this.sigma * s;
      });
      if (x.every((v) => v >= 0 && v <= 1)) return x;
    }
    return x.map((v) => Math.min(1, Math.max(0, v)));
  }

  /** C^{-1/2} v = B D⁻¹ Bᵀ v. */
  whiten(v: ArrayLike<number>): Float64Array {
    const { n, B, D } = this;
    const t = Float64Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += B[j]![i]! * v[i]!;
      return s / D[j]!;
    });
    return Float64Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let j = 0; j < n; j++) s += B[j]![i]! * t[j]!;
      return s;
    });
  }

  /**
   * One generation's update from λ points, best first. Steps y = (x - m)/σ longer than Hansen's
   * bound for injected solutions (Mahalanobis norm √n + 2n/(n+2)) are shortened to it: points of
   * the history may not come from this distribution (rounded to steps, suggested before the
   * previous generation finished, or edited by hand).
   */
  tell(sorted: readonly Float64Array[]): void {
    const { n, c } = this;
    const bound = Math.sqrt(n) + (2 * n) / (n + 2);
    const steps = sorted.slice(0, c.mu).map((x) => {
      const y = x.map((v, i) => (v - this.mean[i]!) / this.sigma);
      const norm = Math.hypot(...this.whiten(y));
      return norm > bound ? y.map((v) => (v * bound) / norm) : y;
    });
    const yW = new Float64Array(n);
    steps.forEach((y, k) => {
      for (let i = 0; i < n; i++) yW[i] = yW[i]! + c.weights[k]! * y[i]!;
    });
    for (let i = 0; i < n; i++) this.mean[i] = this.mean[i]! + this.sigma * yW[i]!;

    const whitened = this.whiten(yW);
    const sigmaScale = Math.sqrt(c.cSigma * (2 - c.cSigma) * c.muEff);
    for (let i = 0; i < n; i++) this.pSigma[i] = (1 - c.cSigma) * this.pSigma[i]! + sigmaScale * whitened[i]!;
    const pSigmaNorm = Math.hypot(...this.pSigma);
    this.generation++;
    const hSigma =
      pSigmaNorm / Math.sqrt(1 - (1 - c.cSigma) ** (2 * this.generation)) < (1.4 + 2 / (n + 1)) * c.chiN
        ? 1
        : 0;
    const cScale = Math.sqrt(c.cC * (2 - c.cC) * c.muEff);
    for (let i = 0; i < n; i++) this.pC[i] = (1 - c.cC) * this.pC[i]! + hSigma * cScale * yW[i]!;
    const delta = (1 - hSigma) * c.cC * (2 - c.cC);
    const keep = 1 - c.c1 - c.cMu + c.c1 * delta;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let rankMu = 0;
        steps.forEach((y, k) => {
          rankMu += c.weights[k]! * y[i]! * y[j]!;
        });
        const v = keep * this.C[i]![j]! + c.c1 * this.pC[i]! * this.pC[j]! + c.cMu * rankMu;
        this.C[i]![j] = v;
        this.C[j]![i] = v;
      }
    }
    this.sigma *= Math.exp((c.cSigma / c.dSigma) * (pSigmaNorm / c.chiN - 1));
    this.#decompose();
  }

  #decompose(): void {
    const { n } = this;
    const evd = new EigenvalueDecomposition(new Matrix(this.C.map((row) => Array.from(row))), {
      assumeSymmetric: true,
    });
    const values = evd.realEigenvalues;
    const vectors = evd.eigenvectorMatrix;
    const top = Math.max(...values);
    const floor = Math.max(top, 1e-300) * 1e-20;
    this.D = Float64Array.from(values, (v) => Math.sqrt(Math.max(v, floor)));
    this.B = Array.from({ length: n }, (_, j) =>
      Float64Array.from({ length: n }, (_, i) => vectors.get(i, j)),
    );
  }

  /** max eigenvalue / min eigenvalue of C. */
  condition(): number {
    const squares = Array.from(this.D, (d) => d * d);
    return Math.max(...squares) / Math.min(...squares);
  }
}
