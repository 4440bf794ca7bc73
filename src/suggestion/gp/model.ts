import type { ObservedTrial } from '../history.js';
import type { Rng } from '../rng.js';
import type { SearchSpace } from '../space/index.js';
import { encode, layoutOf } from './encoding.js';
import { fitKernel } from './fit.js';
import { GaussianProcess } from './gaussian-process.js';

/*
 * Caps that keep one suggestion within budget (<= 100 ms with 1,000 finished trials of 6
 * parameters) while a fit still happens from scratch on every call:
 * - the posterior conditions on at most MODEL_CAP finished trials: the most recent half of the
 *   cap in full (where a sequential search is working now), and the lowest losses among the
 *   older ones (what the search has learnt about good regions);
 * - the hyperparameters are fitted on at most FIT_CAP of those, a seeded random subsample (a
 *   sample of the region the posterior covers, not only its best points, which would bias the
 *   length scales);
 * - at most PENDING_CAP running trials, the most recent, are fantasised.
 */
export const MODEL_CAP = 120;
export const FIT_CAP = 64;
export const PENDING_CAP = 64;

/** A fitted GP over the chosen finished trials, in the order described at `recentFrom`. */
export interface Model {
  gp: GaussianProcess;
  /** The finished trials in the GP, in its row order. */
  rows: ObservedTrial[];
  /**
   * Rows from here on are a contiguous run of the newest finished trials in creation order,
   * (rows before it are older trials, also in creation order): the prefixes ending in this run
   * are the models the search had at those times, which gp_hedge replays.
   */
  recentFrom: number;
  /** The lowest normalised loss over the rows (losses are shifted and scaled to mean 0, variance 1). */
  best: number;
}

export function buildModel(
  space: SearchSpace,
  observed: readonly ObservedTrial[],
  extraCapacity: number,
  rng: Rng,
): Model | undefined {
  const { rows, recentFrom } = chooseRows(observed);
  const n = rows.length;
  const layout = layoutOf(space);
  const dims = layout.dims;
  const X = new Float64Array(n * dims);
  rows.forEach((entry, i) => {
    encode(space, entry.point, X, i * dims);
  });
  let lossMean = 0;
  for (const r of rows) lossMean += r.loss / n;
  let variance = 0;
  for (const r of rows) variance += (r.loss - lossMean) ** 2 / n;
  const lossScale = variance > 1e-300 ? Math.sqrt(variance) : 1;
  const y = Float64Array.from(rows, (r) => (r.loss - lossMean) / lossScale);

  const fitRows = n <= FIT_CAP ? rows.map((_, i) => i) : sample(n, FIT_CAP, rng);
  const fitX = new Float64Array(fitRows.length * dims);
  const fitY = new Float64Array(fitRows.length);
  fitRows.forEach((row, i) => {
    fitX.set(X.subarray(row * dims, (row + 1) * dims), i * dims);
    fitY[i] = y[row]!;
  });
  const params = fitKernel(layout, fitX, fitY, fitRows.length, rng, { restarts: 3, maxIterations: 40 });
  const gp = GaussianProcess.create(layout, params, X, y, n, n + extraCapacity);
  if (gp === undefined) return undefined;
  let best = Number.POSITIVE_INFINITY;
  for (const v of y) best = Math.min(best, v);
  return { gp, rows, recentFrom, best };
}

function chooseRows(observed: readonly ObservedTrial[]): { rows: ObservedTrial[]; recentFrom: number } {
  if (observed.length <= MODEL_CAP) return { rows: [...observed], recentFrom: 0 };
  const recentCount = Math.floor(MODEL_CAP / 2);
  const recent = observed.slice(observed.length - recentCount);
  const older = observed.slice(0, observed.length - recentCount);
  const best = [...older]
    .sort((a, b) => a.loss - b.loss || a.index - b.index)
    .slice(0, MODEL_CAP - recentCount)
    .sort((a, b) => a.index - b.index);
  return { rows: [...best, ...recent], recentFrom: best.length };
}

/** `k` distinct indices of 0..n-1, ascending. */
function sample(n: number, k: number, rng: Rng): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = rng.int(i, n - 1);
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, k).sort((a, b) => a - b);
}
