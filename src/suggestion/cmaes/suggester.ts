import type { Experiment } from '../../api/experiment.js';
import { Issues } from '../issues.js';
import { checkCount } from '../request.js';
import { Rng, seedFor } from '../rng.js';
import {
  collectSearchSpace,
  fromUnit,
  type SearchSpace,
  toAssignments,
  toUnit,
  type Value,
} from '../space/index.js';
import type { Suggester, Suggestion, SuggestRequest } from '../suggester.js';
import { type Replay, type ReplayEntry, replay } from './replay.js';
import { readSequence } from './sequence.js';
import { ALGORITHM, type CmaesSettings, checkCmaesSpace, collectCmaesSettings } from './settings.js';

/**
 * Katib's `cmaes`: CMA-ES over the numeric parameters (int, double, discrete) in the unit cube
 * (log scale for logUniform/logNormal, normal/logNormal searched over [min, max] like their
 * uniform counterparts), starting at the cube's centre with step `sigma`. Ints, steps and discrete
 * values are rounded from the continuous draw, so the distribution adapts to the values actually
 * tried. Categorical parameters are drawn uniformly at random, as Katib's goptuna service does.
 * Needs at least 2 numeric parameters.
 *
 * Stateless: each call replays the history (see replay) to rebuild the distribution, including
 * restarts (`restart_strategy` none, ipop, bipop), then samples from it, seeded by random_state
 * and the history length. Suggestions beyond the generation being filled come from the same
 * distribution (the next one is unknown until the current generation finishes).
 */
export class CmaesSuggester implements Suggester {
  validateSettings(experiment: Experiment): void {
    const issues = new Issues();
    collectCmaesSettings(experiment, issues);
    const space = collectSearchSpace(experiment.spec.parameters, issues);
    checkCmaesSpace(space, issues);
    issues.throwIfAny();
  }

  suggest({ experiment, trials, count }: SuggestRequest): Suggestion[] {
    checkCount(count);
    const issues = new Issues();
    const settings = collectCmaesSettings(experiment, issues);
    const space = collectSearchSpace(experiment.spec.parameters, issues);
    checkCmaesSpace(space, issues);
    issues.throwIfAny();
    if (count === 0) return [];
    const state = replayRequest(space, { experiment, trials, count }, settings);
    const rng = new Rng(
      seedFor({ algorithm: ALGORITHM, randomState: settings.randomState, historyLength: trials.length }),
    );
    const numeric = numericIndices(space);
    const suggestions: Suggestion[] = [];
    for (let k = 0; k < count; k++) {
      const x = state.strategy.sample(rng);
      const point = space.params.map((param, d): Value => {
        if (param.kind === 'categorical') return rng.pick(param.list);
        return fromUnit(param, x[numeric.indexOf(d)]!);
      });
      suggestions.push({ assignments: toAssignments(space, point) });
    }
    return suggestions;
  }
}

/** The replayed CMA-ES state of a request (exported for tests and inspection). */
export function replayRequest(space: SearchSpace, request: SuggestRequest, settings: CmaesSettings): Replay {
  const numeric = numericIndices(space);
  const entries: ReplayEntry[] = readSequence(space, request.experiment, request.trials).map((e) => ({
    x: Float64Array.from(numeric, (d) => toUnit(space.params[d]!, e.point[d]!)),
    loss: e.loss,
    pending: e.pending,
  }));
  return replay(entries, numeric.length, settings);
}

function numericIndices(space: SearchSpace): number[] {
  return space.params.flatMap((p, d) => (p.kind === 'categorical' ? [] : [d]));
}
