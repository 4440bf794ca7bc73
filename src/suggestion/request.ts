import { invalidArgument } from '../api/errors.js';
import type { Setting } from '../api/experiment.js';
import type { Trial } from '../api/trial.js';
import { assignmentsKey, type SearchSpace } from './space/index.js';

/** The count of a SuggestRequest must be a whole number >= 0. */
export function checkCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw invalidArgument('count', count, 'must be a whole number >= 0');
  }
}

/** Assignment keys (see assignmentsKey) a suggest call checks its picks against and adds them to. */
export interface KeySet {
  has(key: string): boolean;
  add(key: string): void;
}

/** The keys (see assignmentsKey) of every assignment tried so far, whatever the trial's state. */
export function triedKeys(space: SearchSpace, trials: readonly Trial[]): Set<string> {
  return new Set(trials.map((trial) => assignmentsKey(space, trial.parameterAssignments)));
}

interface KnownHistory {
  signature: string;
  /** Each trial's parameterAssignments as last seen, by position. */
  assignments: (readonly Setting[])[];
  keys: Set<string>;
}

/**
 * triedKeys for a suggester that is asked again and again about one growing history (the
 * controller passes the same trials array each time, trials replaced in place and appended):
 * only trials it has not seen are parsed, so a long experiment costs O(1) parsing per new trial
 * instead of a pass over every past trial. Answers are exactly triedKeys' (a trial whose
 * assignments array was replaced, or another array, starts the keys over; assignments are never
 * changed in place), so a suggester using it stays stateless in behaviour. Each call's KeySet is its own: adds never reach the cache.
 */
export class TriedKeysCache {
  readonly #known = new WeakMap<readonly Trial[], KnownHistory>();

  keys(space: SearchSpace, trials: readonly Trial[]): KeySet {
    const signature = JSON.stringify(space.params);
    let known = this.#known.get(trials);
    if (known === undefined || known.signature !== signature || !unchanged(known, trials)) {
      known = { signature, assignments: [], keys: new Set() };
      this.#known.set(trials, known);
    }
    for (let i = known.assignments.length; i < trials.length; i++) {
      const assignments = trials[i]!.parameterAssignments;
      known.assignments.push(assignments);
      known.keys.add(assignmentsKey(space, assignments));
    }
    return overlay(known.keys);
  }
}

/** Whether the first trials still carry the assignments seen before (compared by identity). */
function unchanged(known: KnownHistory, trials: readonly Trial[]): boolean {
  if (trials.length < known.assignments.length) return false;
  for (let i = 0; i < known.assignments.length; i++) {
    if (trials[i]!.parameterAssignments !== known.assignments[i]) return false;
  }
  return true;
}

function overlay(base: ReadonlySet<string>): KeySet {
  const added = new Set<string>();
  return {
    has: (key) => base.has(key) || added.has(key),
    add: (key) => void added.add(key),
  };
}
