import erf from '@stdlib/math-base-special-erf';
import quantile from '@stdlib/stats-base-dists-normal-quantile';

/** log(sqrt(2 pi)): the normal density's constant. */
export const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
export const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** The standard normal CDF. */
export function phi(z: number): number {
  return 0.5 * (1 + erf(z / Math.SQRT2));
}

/** The standard normal quantile (inverse CDF). */
export const standardQuantile: (p: number) => number = quantile.factory(0, 1);

/**
 * Draws from N(mu, sigma) truncated to [0, 1] by inverting the CDF: one uniform number per
 * draw, so a seeded stream gives the same draws whatever the rest of the model looks like.
 * `low` is Phi(-mu/sigma) and `mass` is Phi((1-mu)/sigma) - low, both precomputed.
 */
export function truncatedDraw(mu: number, sigma: number, low: number, mass: number, uniform: number): number {
  const x = mu + sigma * standardQuantile(low + uniform * mass);
  return x < 0 ? 0 : x > 1 ? 1 : Number.isNaN(x) ? mu : x;
}

/** Index of the first entry of an increasing `cumulative` array (length n) above `target`. */
export function searchCumulative(cumulative: Float64Array, n: number, target: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
