import type { Experiment } from '../../api/experiment.js';
import { readHistory } from '../history.js';
import { Issues } from '../issues.js';
import { checkCount } from '../request.js';
import { Rng, seedFor } from '../rng.js';
import {
  collectSearchSpace,
  type Point,
  pointAt,
  pointKey,
  type SearchSpace,
  samplePoint,
  toAssignments,
} from '../space/index.js';
import type { Suggester, Suggestion, SuggestRequest } from '../suggester.js';
import { decode } from './encoding.js';
import { latinHypercubeRow } from './initial-design.js';
import { modelSearch } from './search.js';
import { ALGORITHM, type BayesOptSettings, collectBayesOptSettings } from './settings.js';

/** Finished trials needed before the GP takes over from the initial design. */
const MIN_OBSERVED = 2;
/** The initial design is a Latin hypercube of at most this many rows; random draws beyond. */
const DESIGN_CAP = 256;
const RETRIES = 64;
const ENUMERATION_LIMIT = 100_000;

/**
 * Katib's `bayesianoptimization`: Gaussian-process Bayesian optimisation.
 *
 * - The first `n_initial_points` trials (by position in the history) come from a seeded Latin
 *   hypercube, as do all suggestions while fewer than 2 trials have finished.
 * - Then a GP (Matérn 5/2, ARD, noise, normalised losses, hyperparameters fitted by MAP with
 *   three restarts; see model.ts for the caps on large histories) is fitted to the finished
 *   trials on every call, and each suggestion maximises the acquisition: `EI`, `PI`, `LCB`, or
 *   `gp_hedge` (see hedge.ts), over uniform candidates and candidates around the best points,
 *   the best few refined by L-BFGS (`acq_optimizer`, see settings.ts).
 * - Running trials and earlier suggestions of the same call are fantasised with a constant lie,
 *   so k suggestions in one call spread out; a point already tried is never suggested again
 *   (on a finite space that is used up, fewer or no suggestions come back).
 * - Parameters: int, double and discrete in the unit cube (log scale for logUniform and
 *   logNormal, rounded to ints and steps), categorical through a one-hot-equivalent kernel term.
 *   normal and logNormal are searched as uniform and logUniform over [min, max].
 * Stateless: everything is recomputed from the request, seeded by random_state and the history
 * length.
 */
export class BayesianOptimizationSuggester implements Suggester {
  validateSettings(experiment: Experiment): void {
    const issues = new Issues();
    collectBayesOptSettings(experiment, issues);
    collectSearchSpace(experiment.spec.parameters, issues);
    issues.throwIfAny();
  }

  suggest({ experiment, trials, count }: SuggestRequest): Suggestion[] {
    checkCount(count);
    const issues = new Issues();
    const settings = collectBayesOptSettings(experiment, issues);
    const space = collectSearchSpace(experiment.spec.parameters, issues);
    issues.throwIfAny();
    if (count === 0) return [];
    const rng = new Rng(
      seedFor({ algorithm: ALGORITHM, randomState: settings.randomState, historyLength: trials.length }),
    );
    const history = readHistory(space, experiment, trials);
    // The GP needs finite losses; a trial that reported an infinity counts as tried only.
    const observed = history.observed.filter((e) => Number.isFinite(e.loss));
    // Keys of every tried point (from the points already parsed: trials that do not fit the
    // space cannot collide with a feasible point anyway).
    const used = new Set(
      [...history.observed.map((e) => e.point), ...history.pending, ...history.failed].map((p) =>
        pointKey(space, p),
      ),
    );
    const chosen: Point[] = [];
    while (chosen.length < count) {
      const slot = trials.length + chosen.length;
      if (slot >= settings.initialPoints && observed.length >= MIN_OBSERVED) break;
      const point = initialPoint(space, settings, slot, used, rng);
      if (point === undefined) return done(space, chosen);
      used.add(pointKey(space, point));
      chosen.push(point);
    }
    if (chosen.length < count) {
      const pending = [...history.pending, ...chosen];
      const found = modelSearch({
        space,
        settings,
        observed,
        pending,
        count: count - chosen.length,
        used,
        rng,
      });
      if (found !== undefined) chosen.push(...found);
      // Candidates all tried (a finite space nearly used up) or a covariance that cannot be
      // factored: the rest are random untried points, none once the space is used up.
      while (chosen.length < count) {
        const point = untried(space, used, rng);
        if (point === undefined) break;
        used.add(pointKey(space, point));
        chosen.push(point);
      }
    }
    return done(space, chosen);
  }
}

function done(space: SearchSpace, points: Point[]): Suggestion[] {
  return points.map((point) => ({ assignments: toAssignments(space, point) }));
}

/** The design's row for `slot` when it is untried, else a random untried point. */
function initialPoint(
  space: SearchSpace,
  settings: BayesOptSettings,
  slot: number,
  used: ReadonlySet<string>,
  rng: Rng,
): Point | undefined {
  const size = Math.min(settings.initialPoints, DESIGN_CAP);
  if (slot < size) {
    const seed = seedFor({
      algorithm: ALGORITHM,
      randomState: settings.randomState,
      historyLength: 0,
      stream: 1,
    });
    const row = latinHypercubeRow(seed, size, space.params.length, slot);
    const point = decode(
      space,
      row.map((u, d) => {
        const param = space.params[d]!;
        return param.kind === 'categorical' ? Math.min(param.count - 1, Math.floor(u * param.count)) : u;
      }),
    );
    if (!used.has(pointKey(space, point))) return point;
  }
  return untried(space, used, rng);
}

/** A random point not in `used`; undefined once a finite space is used up. */
function untried(space: SearchSpace, used: ReadonlySet<string>, rng: Rng): Point | undefined {
  for (let i = 0; i < RETRIES; i++) {
    const point = samplePoint(space, rng);
    if (!used.has(pointKey(space, point))) return point;
  }
  if (space.size > ENUMERATION_LIMIT) return undefined;
  const free: Point[] = [];
  for (let i = 0; i < space.size; i++) {
    const point = pointAt(space, i);
    if (!used.has(pointKey(space, point))) free.push(point);
  }
  return free.length === 0 ? undefined : rng.pick(free);
}
