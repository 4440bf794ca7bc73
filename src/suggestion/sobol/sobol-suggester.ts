import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import quantile from '@stdlib/stats-base-dists-normal-quantile';
import type { Experiment } from '../../api/experiment.js';
import { Issues } from '../issues.js';
import { checkCount, type KeySet, TriedKeysCache } from '../request.js';
import { Rng, seedFor } from '../rng.js';
import { collectSettings, RANDOM_STATE } from '../settings.js';
import {
  collectSearchSpace,
  fromUnit,
  type Param,
  type Point,
  pointAt,
  pointKey,
  type SearchSpace,
  toAssignments,
} from '../space/index.js';
import type { Suggester, Suggestion, SuggestRequest } from '../suggester.js';
import { SOBOL_MAX_DIMENSIONS, SOBOL_MAX_INDEX, SobolSequence } from './sequence.js';

/** Sequence points skipped in a row (used ones) before a finite space's rest is listed. */
const WALK_LIMIT = 4096;
/** Largest finite space whose unused points are listed once the walk keeps hitting used ones. */
const ENUMERATION_LIMIT = 100_000;
/** Normal parameters: Katib's reading, mean (min+max)/2 and sigma (max-min)/6, cut at +-3 sigma. */
const NORMAL_LOW = normalCdf(-3, 0, 1);
const NORMAL_MASS = normalCdf(3, 0, 1) - NORMAL_LOW;

/**
 * Katib's `sobol`: a scrambled Sobol low-discrepancy sequence over the unit cube (Joe & Kuo
 * direction numbers, up to 64 parameters), mapped into the space (log scale for logUniform,
 * the inverse normal CDF for normal and logNormal, cells for steps, lists and categories).
 * Stateless: the suggestions of a request with n trials are the sequence's points n, n+1, ...;
 * on a finite space points whose assignments were already tried are skipped, and fewer (then
 * no) suggestions come back once every point is used. `random_state` seeds the scramble
 * (Katib's sobol takes no settings; this one is an addition), so one experiment always walks
 * one sequence.
 */
export class SobolSuggester implements Suggester {
  readonly #tried = new TriedKeysCache();

  validateSettings(experiment: Experiment): void {
    const issues = new Issues();
    collectSobol(experiment, issues);
    issues.throwIfAny();
  }

  suggest({ experiment, trials, count }: SuggestRequest): Suggestion[] {
    checkCount(count);
    const issues = new Issues();
    const { space, randomState } = collectSobol(experiment, issues);
    issues.throwIfAny();
    if (count === 0) return [];
    // The scramble depends on random_state only: every request of an experiment walks one sequence.
    const scramble = new Rng(seedFor({ algorithm: 'sobol', randomState, historyLength: 0 }));
    const sequence = new SobolSequence(space.params.length, scramble);
    const finite = Number.isFinite(space.size);
    const used = finite ? this.#tried.keys(space, trials) : undefined;
    const unit = new Float64Array(space.params.length);
    const suggestions: Suggestion[] = [];
    let index = trials.length;
    let skipped = 0;
    while (suggestions.length < count && index <= SOBOL_MAX_INDEX && skipped < WALK_LIMIT) {
      sequence.point(index++, unit);
      const point = space.params.map((param, d) => sobolValue(param, unit[d]!));
      if (used !== undefined) {
        const key = pointKey(space, point);
        if (used.has(key)) {
          skipped++;
          continue;
        }
        used.add(key);
      }
      skipped = 0;
      suggestions.push({ assignments: toAssignments(space, point) });
    }
    if (used !== undefined && suggestions.length < count && space.size <= ENUMERATION_LIMIT) {
      for (const point of unusedPoints(space, used, count - suggestions.length)) {
        suggestions.push({ assignments: toAssignments(space, point) });
      }
    }
    return suggestions;
  }
}

function collectSobol(experiment: Experiment, issues: Issues): { space: SearchSpace; randomState?: string } {
  const settings = collectSettings(experiment, 'sobol', RANDOM_STATE, issues);
  const space = collectSearchSpace(experiment.spec.parameters, issues);
  const n = experiment.spec.parameters?.length ?? 0;
  if (n > SOBOL_MAX_DIMENSIONS) {
    issues.add(
      'spec.parameters',
      `${n} parameters`,
      `is more than sobol supports (at most ${SOBOL_MAX_DIMENSIONS})`,
    );
  }
  return { space, randomState: settings.get('random_state') };
}

/**
 * A unit-cube coordinate as a value of the parameter, so that evenly spread coordinates give
 * values spread as the parameter's distribution: the unit-cube mapping of space/, except for
 * normal and logNormal, which go through the inverse normal CDF (cut at +-3 sigma).
 */
export function sobolValue(param: Param, u: number): Point[number] {
  if (
    (param.kind === 'int' || param.kind === 'double') &&
    (param.distribution === 'normal' || param.distribution === 'logNormal')
  ) {
    return fromUnit(param, 0.5 + quantile(NORMAL_LOW + u * NORMAL_MASS, 0, 1) / 6);
  }
  return fromUnit(param, u);
}

/** Up to `count` points not in `used`, in the grid's order (the sequence has found no more). */
function unusedPoints(space: SearchSpace, used: KeySet, count: number): Point[] {
  const found: Point[] = [];
  for (let i = 0; i < space.size && found.length < count; i++) {
    const point = pointAt(space, i);
    const key = pointKey(space, point);
    if (used.has(key)) continue;
    used.add(key);
    found.push(point);
  }
  return found;
}
