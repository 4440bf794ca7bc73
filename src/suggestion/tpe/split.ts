import { compareObserved, type ObservedTrial } from '../history.js';

/** Trials that keep full weight however long the history grows (Bergstra et al.'s 25). */
const FULL_WEIGHT_TRIALS = 25;

/**
 * How many of n observed trials form the good group l(x): ceil(gamma * n), at most 25 (the
 * rule of Optuna's TPE; hyperopt's is ceil(gamma * sqrt(n))), and at least 1 once there is one.
 */
export function goodCount(n: number, gamma: number): number {
  if (n === 0) return 0;
  return Math.max(1, Math.min(Math.ceil(gamma * n), FULL_WEIGHT_TRIALS));
}

/**
 * Weights of a group of m trials in creation order: the newest 25 weigh 1, older ones ramp
 * linearly from 1/m up (Bergstra et al.'s "linear forgetting"), so a long history's early,
 * unluckily placed trials do not pin the model down.
 */
export function groupWeights(m: number, out: Float64Array): void {
  const ramp = m - FULL_WEIGHT_TRIALS;
  for (let i = 0; i < m; i++) {
    if (ramp <= 0 || i >= ramp) out[i] = 1;
    else out[i] = ramp === 1 ? 1 / m : 1 / m + ((1 - 1 / m) * i) / (ramp - 1);
  }
}

/**
 * Splits the observed trials into the good and the bad group: the `goodCount` best (see
 * rankObserved) are good, the rest bad; each group in creation order. Returns positions in
 * `observed`.
 */
export function splitObserved(
  observed: readonly ObservedTrial[],
  gamma: number,
): { good: number[]; bad: number[] } {
  const ranked = Array.from(observed.keys()).sort((a, b) => compareObserved(observed[a]!, observed[b]!));
  const nGood = goodCount(observed.length, gamma);
  const byAge = (a: number, b: number) => a - b;
  return { good: ranked.slice(0, nGood).sort(byAge), bad: ranked.slice(nGood).sort(byAge) };
}
