import { ACQUISITIONS, type AcquisitionName, score } from './acquisition.js';
import type { Model } from './model.js';
import type { CandidatePool } from './pool.js';

/** Replayed steps: the gains are accumulated over at most this many of the newest trials. */
export const HEDGE_WINDOW = 50;
/** Candidates the replayed nominees are chosen from (an evenly spaced part of the pool). */
export const HEDGE_CANDIDATES = 256;
/** The softmax temperature, as scikit-optimize's default (gains are in normalised losses). */
export const ETA = 1;

/**
 * GP-Hedge (Hoffman, Brochu & de Freitas, 2011): at every step each acquisition nominates its
 * best point, one nominee is evaluated, and once the model has learnt from it every acquisition
 * gains the negated posterior mean at its own nominee; the next acquisition is drawn with
 * probability softmax(ETA · gains).
 *
 * Stateless replay: the model's rows end in a run of the newest trials in creation order, and the
 * Cholesky factor of a prefix of the rows is the leading block of the whole factor, so the
 * posterior each step had (up to the current hyperparameters) is a prefix sum of the candidates'
 * L⁻¹k vectors. For each of the last HEDGE_WINDOW trials that were suggested by the model
 * (position >= initialPoints), the nominees are chosen among the pool's candidates with the rows
 * before that trial and scored with the rows up to and including it.
 */
export function hedgeProbabilities(model: Model, pool: CandidatePool, initialPoints: number): number[] {
  const gains = hedgeGains(model, pool, initialPoints);
  const top = Math.max(...gains);
  const weights = gains.map((g) => Math.exp(ETA * (g - top)));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

export function hedgeGains(model: Model, pool: CandidatePool, initialPoints: number): number[] {
  const { gp, rows } = model;
  const gains = ACQUISITIONS.map(() => 0);
  let from = Math.max(model.recentFrom, rows.length - HEDGE_WINDOW, 1);
  while (from < rows.length && rows[from]!.index < initialPoints) from++;
  if (from >= rows.length) return gains;

  const stride = Math.max(1, Math.floor(pool.size / HEDGE_CANDIDATES));
  const chosen: number[] = [];
  for (let c = 0; c < pool.size; c += stride) chosen.push(c);
  const mean = new Float64Array(chosen.length);
  const explained = new Float64Array(chosen.length);
  const signal = gp.params.signal;
  const add = (row: number) => {
    chosen.forEach((c, i) => {
      const v = pool.V[row * pool.size + c]!;
      mean[i] = mean[i]! + v * gp.w[row]!;
      explained[i] = explained[i]! + v * v;
    });
  };
  let best = Number.POSITIVE_INFINITY;
  for (let row = 0; row < from; row++) {
    add(row);
    best = Math.min(best, gp.y[row]!);
  }
  const nominees = new Array<number>(ACQUISITIONS.length);
  for (let row = from; row < rows.length; row++) {
    ACQUISITIONS.forEach((name: AcquisitionName, j) => {
      let top = Number.NEGATIVE_INFINITY;
      let at = 0;
      for (let i = 0; i < chosen.length; i++) {
        const sd = Math.sqrt(Math.max(signal - explained[i]!, 1e-12 * signal));
        const s = score(name, mean[i]!, sd, best);
        if (s > top) {
          top = s;
          at = i;
        }
      }
      nominees[j] = at;
    });
    add(row);
    best = Math.min(best, gp.y[row]!);
    nominees.forEach((at, j) => {
      gains[j] = gains[j]! - mean[at]!;
    });
  }
  return gains;
}
