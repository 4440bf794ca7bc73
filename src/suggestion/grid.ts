import type { Experiment } from '../api/experiment.js';
import { Issues } from './issues.js';
import { checkCount, TriedKeysCache } from './request.js';
import { collectSettings, RANDOM_STATE } from './settings.js';
import { collectSearchSpace, pointAt, pointKey, type SearchSpace, toAssignments } from './space/index.js';
import type { Suggester, Suggestion, SuggestRequest } from './suggester.js';

/**
 * Katib's `grid`: the cartesian product of every parameter's values (int: min..max by step,
 * default 1; double: min..max by step, which is required; discrete and categorical: the list),
 * handed out in a stable order (parameters in spec order, the last varying fastest), skipping
 * every point already in the trial history, so restarts and repeated requests never duplicate.
 * Fewer (then no) suggestions once every point is used. `random_state` is accepted for Katib
 * compatibility; the order does not depend on it.
 */
export class GridSuggester implements Suggester {
  readonly #tried = new TriedKeysCache();

  validateSettings(experiment: Experiment): void {
    const issues = new Issues();
    const space = collectGrid(experiment, issues);
    const max = experiment.spec.maxTrialCount;
    if (issues.empty && max !== undefined && max > space.size) {
      issues.add(
        'spec.maxTrialCount',
        max,
        `exceeds the ${space.size} points of the grid (grid needs maxTrialCount <= the number of grid points)`,
      );
    }
    issues.throwIfAny();
  }

  suggest({ experiment, trials, count }: SuggestRequest): Suggestion[] {
    checkCount(count);
    const issues = new Issues();
    const space = collectGrid(experiment, issues);
    issues.throwIfAny();
    const used = this.#tried.keys(space, trials);
    const suggestions: Suggestion[] = [];
    for (let i = 0; i < space.size && suggestions.length < count; i++) {
      const point = pointAt(space, i);
      const key = pointKey(space, point);
      if (used.has(key)) continue;
      used.add(key);
      suggestions.push({ assignments: toAssignments(space, point) });
    }
    return suggestions;
  }
}

function collectGrid(experiment: Experiment, issues: Issues): SearchSpace {
  collectSettings(experiment, 'grid', RANDOM_STATE, issues);
  const parameters = experiment.spec.parameters ?? [];
  parameters.forEach((spec, i) => {
    const step = spec.feasibleSpace?.step;
    if (spec.parameterType === 'double' && (step === undefined || step.trim() === '')) {
      issues.add(
        `spec.parameters[${i}].feasibleSpace.step`,
        step,
        `is required: grid needs step for double parameters (parameter ${spec.name})`,
      );
    }
  });
  return collectSearchSpace(parameters, issues);
}
