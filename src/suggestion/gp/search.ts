import type { ObservedTrial } from '../history.js';
import type { Rng } from '../rng.js';
import { type Point, pointKey, type SearchSpace } from '../space/index.js';
import { ACQUISITIONS, type AcquisitionName, score } from './acquisition.js';
import { decode, encode } from './encoding.js';
import { hedgeProbabilities } from './hedge.js';
import { buildModel, PENDING_CAP } from './model.js';
import { CandidatePool, candidateInputs } from './pool.js';
import { refine } from './refine.js';
import type { BayesOptSettings } from './settings.js';

/** Uniform candidates and candidates around the ANCHORS best points, per search. */
export const POOL_RANDOM = 256;
export const POOL_LOCAL = 256;
export const ANCHORS = 5;
/** Best pool candidates refined by L-BFGS per suggestion. */
export const REFINE_STARTS = 4;

export interface SearchInput {
  space: SearchSpace;
  settings: BayesOptSettings;
  observed: readonly ObservedTrial[];
  /** Points being evaluated now (running trials, and earlier suggestions of this call). */
  pending: readonly Point[];
  count: number;
  /** Keys of every point already tried or suggested; chosen points are added. */
  used: Set<string>;
  rng: Rng;
}

/**
 * Up to `count` points from the GP: each maximises an acquisition (drawn by gp_hedge, or the
 * configured one) over a candidate pool with local refinement, skipping tried points. Pending
 * points and each chosen point are told to the model with a constant lie, the lowest loss seen
 * (scikit-optimize's default `cl_min`): the posterior variance at and around them collapses, so
 * the next pick in the same call goes elsewhere. Undefined when the GP cannot be fitted.
 */
export function modelSearch(input: SearchInput): Point[] | undefined {
  const { space, settings, observed, count, used, rng } = input;
  const pending = input.pending.slice(-PENDING_CAP - count);
  const model = buildModel(space, observed, pending.length + count, rng);
  if (model === undefined) return undefined;
  const { gp } = model;
  const anchors = [...observed]
    .sort((a, b) => a.loss - b.loss || a.index - b.index)
    .slice(0, ANCHORS)
    .map((e) => encode(space, e.point));
  const pool = new CandidatePool(gp, candidateInputs(space, rng, anchors, POOL_RANDOM, POOL_LOCAL));
  const probabilities =
    settings.acquisition === 'gp_hedge' ? hedgeProbabilities(model, pool, settings.initialPoints) : undefined;
  const lie = model.best;
  const tell = (x: Float64Array) => {
    const row = gp.append(x, lie);
    if (row !== undefined) pool.extend(row);
  };
  for (const point of pending) tell(encode(space, point));

  const chosen: Point[] = [];
  while (chosen.length < count) {
    const name =
      probabilities === undefined ? (settings.acquisition as AcquisitionName) : draw(probabilities, rng);
    const x = choose(input, model.best, pool, name);
    if (x === undefined) break;
    const point = decode(space, x);
    used.add(pointKey(space, point));
    chosen.push(point);
    tell(x);
  }
  return chosen;
}

function draw(probabilities: readonly number[], rng: Rng): AcquisitionName {
  let u = rng.float();
  for (let j = 0; j < probabilities.length; j++) {
    u -= probabilities[j]!;
    if (u < 0) return ACQUISITIONS[j]!;
  }
  return ACQUISITIONS[probabilities.length - 1]!;
}

/** The best untried point by acquisition `name`, or undefined when every candidate is tried. */
function choose(
  input: SearchInput,
  best: number,
  pool: CandidatePool,
  name: AcquisitionName,
): Float64Array | undefined {
  const { space, used, settings } = input;
  const { gp } = pool;
  const dims = space.params.length;
  const scores = new Float64Array(pool.size);
  for (let c = 0; c < pool.size; c++)
    scores[c] = score(name, pool.mean[c]!, Math.sqrt(pool.variance[c]!), best);
  const order = Array.from({ length: pool.size }, (_, c) => c).sort(
    (a, b) => scores[b]! - scores[a]! || a - b,
  );
  const keyOf = (x: Float64Array) => pointKey(space, decode(space, x));
  const starts: { x: Float64Array; score: number; key: string }[] = [];
  const seen = new Set<string>();
  for (const c of order) {
    const x = pool.X.slice(c * dims, (c + 1) * dims);
    const key = keyOf(x);
    if (used.has(key) || seen.has(key)) continue;
    seen.add(key);
    starts.push({ x, score: scores[c]!, key });
    if (starts.length >= REFINE_STARTS) break;
  }
  if (starts.length === 0) return undefined;
  const results = [...starts];
  if (settings.refine && space.params.some((p) => p.kind !== 'categorical' && p.count > 1)) {
    for (const start of starts) {
      const refined = refine(gp, space, name, best, start.x);
      results.push({ ...refined, key: keyOf(refined.x) });
    }
  }
  results.sort((a, b) => b.score - a.score);
  return results.find((r) => !used.has(r.key))?.x;
}
