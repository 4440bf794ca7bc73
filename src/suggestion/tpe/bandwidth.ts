/*
 * Kernel widths of the Parzen estimators, in unit-cube coordinates (every numeric parameter
 * lives on [0, 1] there). Both rules are the ones of Bergstra et al. and Optuna's TPE:
 * - univariate: each observation's sigma is the larger gap to its neighbours among the
 *   observations and the prior's centre, except that the outermost two take the gap to their
 *   inner neighbour (the domain's ends are not neighbours);
 * - multivariate: one sigma for every observation, 0.2 * n^(-1/(d+4)) (a Scott-like rule);
 * then both are clipped to [1/min(100, n+2), 1] (the "magic clip": n observations plus the
 * prior, plus one), so that kernels never collapse onto a point nor outgrow the domain.
 */

/** The magic clip's lower bound for n observations plus the prior. */
export function minSigma(n: number): number {
  return 1 / Math.min(100, n + 2);
}

/**
 * Univariate neighbour widths of `mus[0..n)` into `out[0..n)`. `scratch` needs n + 1 entries.
 */
export function neighbourSigmas(
  mus: Float64Array,
  n: number,
  priorMu: number,
  out: Float64Array,
  scratch: Float64Array,
): void {
  const total = n + 1;
  const sorted = scratch.subarray(0, total);
  sorted.set(mus.subarray(0, n));
  sorted[n] = priorMu;
  sorted.sort();
  const low = minSigma(n);
  for (let i = 0; i < n; i++) {
    const x = mus[i]!;
    const j = lowerBound(sorted, total, x);
    let sigma: number;
    if (total < 2) sigma = 1;
    else if (j === 0) sigma = sorted[1]! - x;
    else if (j === total - 1) sigma = x - sorted[j - 1]!;
    else sigma = Math.max(x - sorted[j - 1]!, sorted[j + 1]! - x);
    out[i] = Math.min(1, Math.max(low, sigma));
  }
}

/** The multivariate width of every kernel when there are n observations in d dimensions. */
export function scottSigma(n: number, dims: number): number {
  const sigma = 0.2 * Math.max(n, 1) ** (-1 / (dims + 4));
  const low = minSigma(n);
  return Math.min(1, Math.max(low, sigma));
}

function lowerBound(sorted: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
