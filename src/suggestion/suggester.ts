import type { Experiment, Setting } from '../api/experiment.js';
import type { Trial } from '../api/trial.js';

export interface SuggestRequest {
  experiment: Experiment;
  /** Every trial of the experiment so far, finished and running, in creation order. */
  trials: readonly Trial[];
  /** How many new assignments are wanted. */
  count: number;
}

export interface Suggestion {
  assignments: Setting[];
  /** Optional labels for the trial (e.g. hyperband's bracket). */
  labels?: Record<string, string>;
}

/**
 * A search algorithm. Contract:
 * - Stateless: everything it needs is in the request (Katib's GetSuggestionsRequest); two calls
 *   with equal requests return equal suggestions. Random draws are seeded from `random_state`
 *   (or a fixed default) and the history, never from the clock.
 * - Does no I/O.
 * - Returns at most `count` suggestions; fewer (possibly none) means the search space is
 *   exhausted, which the controller treats as ExperimentSuggestionEndReached once nothing runs.
 * - Every assignment names every parameter once, with a value inside its feasible space,
 *   formatted as Katib does (ints without a decimal point). One exception, as in Katib:
 *   hyperband's resource parameter takes the schedule's values whatever its feasible space says.
 */
export interface Suggester {
  suggest(request: SuggestRequest): Suggestion[];
  /**
   * Checks the algorithm settings (and anything about the experiment the algorithm cannot
   * work with). Throws a KatibError `invalid_argument` listing every bad setting with its rule.
   */
  validateSettings(experiment: Experiment): void;
}

export type SuggesterFactory = () => Suggester;
