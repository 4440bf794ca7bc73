import type { Rng } from '../rng.js';
import { type InputLayout, type KernelParams, SQRT5 } from './kernel.js';
import { minimize } from './lbfgs.js';
import { Factor } from './linalg.js';

/*
 * Hyperparameters are fitted by maximising the log marginal likelihood plus weak priors (a MAP
 * fit, as BoTorch does): length scale ~ Gamma(3, 6) (mode 1/3 of the unit cube), signal
 * variance ~ Gamma(2, 0.15), noise variance ~ Gamma(1.1, 0.05). The priors only matter with few
 * points, where a pure likelihood fit runs off to extreme length scales. All are optimised as logs
 * inside bounds: length scale [0.01, 20], signal [0.01, 100], noise [1e-6, 1] (losses are
 * normalised to unit variance, so a noise of 1 means "all noise").
 */
const LOG_BOUNDS = {
  lengthscale: [Math.log(0.01), Math.log(20)],
  signal: [Math.log(0.01), Math.log(100)],
  noise: [Math.log(1e-6), Math.log(1)],
} as const;

/** Iterations every start gets before the best one is run on. */
const SCOUT_ITERATIONS = 5;

export interface FitOptions {
  /** Optimisations from different starting points; the best result wins. */
  restarts: number;
  maxIterations: number;
}

/**
 * The MAP hyperparameters for n training inputs X (rows of layout.dims) and normalised losses y.
 * The first start is a fixed, middle-of-the-road guess; the others are drawn from `rng`.
 */
export function fitKernel(
  layout: InputLayout,
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  rng: Rng,
  options: FitOptions,
): KernelParams {
  const dims = layout.dims;
  const size = dims + 2;
  const lower = new Float64Array(size);
  const upper = new Float64Array(size);
  for (let d = 0; d < dims; d++) {
    lower[d] = LOG_BOUNDS.lengthscale[0];
    upper[d] = LOG_BOUNDS.lengthscale[1];
  }
  [lower[dims], upper[dims]] = LOG_BOUNDS.signal;
  [lower[dims + 1], upper[dims + 1]] = LOG_BOUNDS.noise;

  const objective = negativeLogPosterior(layout, X, y, n);
  const run = (x0: ArrayLike<number>, maxIterations: number) =>
    minimize(objective, x0, lower, upper, {
      maxIterations,
      relativeTolerance: 1e-6,
      gradientTolerance: 1e-3,
    });
  // Every start gets a few iterations; only the most promising one is run to convergence.
  let best: { x: Float64Array; value: number } | undefined;
  for (let start = 0; start < Math.max(1, options.restarts); start++) {
    const x0 = new Float64Array(size);
    for (let d = 0; d < dims; d++) {
      x0[d] = start === 0 ? Math.log(0.5) : Math.log(0.05) + rng.float() * Math.log(2 / 0.05);
    }
    x0[dims] = start === 0 ? 0 : Math.log(0.3) + rng.float() * Math.log(3 / 0.3);
    x0[dims + 1] = start === 0 ? Math.log(1e-3) : Math.log(1e-5) + rng.float() * Math.log(1e-1 / 1e-5);
    const result = run(x0, SCOUT_ITERATIONS);
    if (Number.isFinite(result.value) && (best === undefined || result.value < best.value)) best = result;
  }
  if (best !== undefined) {
    const result = run(best.x, Math.max(0, options.maxIterations - SCOUT_ITERATIONS));
    if (Number.isFinite(result.value) && result.value <= best.value) best = result;
  }
  const x =
    best?.x ??
    Float64Array.from({ length: size }, (_, i) =>
      i < dims ? Math.log(0.5) : i === dims ? 0 : Math.log(1e-3),
    );
  return {
    lengthscales: Float64Array.from({ length: dims }, (_, d) => Math.exp(x[d]!)),
    signal: Math.exp(x[dims]!),
    noise: Math.exp(x[dims + 1]!),
  };
}

/**
 * -(log p(y | θ) + log prior(θ)) over θ = [log ℓ_1..log ℓ_D, log σ²_f, log σ²_n] and its
 * gradient: ∂ log p/∂θ_j = ½ tr((ααᵀ - K⁻¹) ∂K/∂θ_j).
 */
export function negativeLogPosterior(
  layout: InputLayout,
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
): (theta: Float64Array, grad: Float64Array) => number {
  const { dims, categorical } = layout;
  // Squared coordinate differences per pair i > j, computed once for every evaluation.
  const pairs = (n * (n - 1)) / 2;
  const sq = new Float64Array(pairs * dims);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++, p++) {
      for (let d = 0; d < dims; d++) {
        const a = X[i * dims + d]!;
        const b = X[j * dims + d]!;
        sq[p * dims + d] = categorical[d] === 1 ? (a === b ? 0 : 1) : (a - b) * (a - b);
      }
    }
  }
  const K = new Float64Array(n * n);
  const slopes = new Float64Array(pairs);
  const inv = new Float64Array(dims);

  return (theta, grad) => {
    for (let d = 0; d < dims; d++) inv[d] = Math.exp(-2 * theta[d]!);
    const signal = Math.exp(theta[dims]!);
    const noise = Math.exp(theta[dims + 1]!);
    let q = 0;
    for (let i = 0; i < n; i++) {
      K[i * n + i] = signal + noise;
      for (let j = 0; j < i; j++, q++) {
        let r2 = 0;
        for (let d = 0; d < dims; d++) r2 += sq[q * dims + d]! * inv[d]!;
        // Matérn 5/2 and its slope (see Matern52), inlined: this loop runs ~50 times per call.
        const r = Math.sqrt(r2);
        const e = signal * Math.exp(-SQRT5 * r);
        const k = (1 + SQRT5 * r + (5 / 3) * r2) * e;
        K[i * n + j] = k;
        K[j * n + i] = k;
        slopes[q] = (5 / 3) * (1 + SQRT5 * r) * e;
      }
    }
    const factor = Factor.of(K, n);
    if (factor === undefined) return Number.POSITIVE_INFINITY;
    const alpha = factor.solve(y);
    let fit = 0;
    for (let i = 0; i < n; i++) fit += y[i]! * alpha[i]!;
    const logLikelihood = -0.5 * fit - 0.5 * factor.logDet() - 0.5 * n * Math.log(2 * Math.PI);
    const Kinv = factor.inverse();

    // W = ααᵀ - K⁻¹; sums over the symmetric pairs count each i > j twice.
    grad.fill(0);
    let traceW = 0;
    let signalTerm = 0;
    q = 0;
    for (let i = 0; i < n; i++) {
      const wii = alpha[i]! * alpha[i]! - Kinv[i * n + i]!;
      traceW += wii;
      signalTerm += wii * signal;
      for (let j = 0; j < i; j++, q++) {
        const wij = 2 * (alpha[i]! * alpha[j]! - Kinv[i * n + j]!);
        signalTerm += wij * K[i * n + j]!;
        const s = wij * slopes[q]!;
        for (let d = 0; d < dims; d++) grad[d] = grad[d]! + s * sq[q * dims + d]! * inv[d]!;
      }
    }
    // Gradients so far are of the log likelihood; the objective is its negative.
    for (let d = 0; d < dims; d++) grad[d] = -0.5 * grad[d]!;
    grad[dims] = -0.5 * signalTerm;
    grad[dims + 1] = -0.5 * noise * traceW;

    // Priors: log Gamma(a, b) density in the variable v is (a-1) log v - b v (+ const).
    let logPrior = 0;
    for (let d = 0; d < dims; d++) {
      const l = Math.exp(theta[d]!);
      logPrior += 2 * theta[d]! - 6 * l;
      grad[d] = grad[d]! - (2 - 6 * l);
    }
    logPrior += theta[dims]! - 0.15 * signal;
    grad[dims] = grad[dims]! - (1 - 0.15 * signal);
    logPrior += 0.1 * theta[dims + 1]! - 0.05 * noise;
    grad[dims + 1] = grad[dims + 1]! - (0.1 - 0.05 * noise);
    return -(logLikelihood + logPrior);
  };
}
