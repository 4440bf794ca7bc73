import { invalidArgument } from '../api/errors.js';
import type { Trial } from '../api/trial.js';
import { assignmentsKey, type SearchSpace } from './space/index.js';

/** The count of a SuggestRequest must be a whole number >= 0. */
export function checkCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw invalidArgument('count', count, 'must be a whole number >= 0');
  }
}

/** The keys (see assignmentsKey) of every assignment tried so far, whatever the trial's state. */
export function triedKeys(space: SearchSpace, trials: readonly Trial[]): Set<string> {
  return new Set(trials.map((trial) => assignmentsKey(space, trial.parameterAssignments)));
}
