import type { Experiment } from '../api/experiment.js';
import { Issues } from './issues.js';
import { checkCount, type KeySet, TriedKeysCache } from './request.js';
import { Rng, seedFor } from './rng.js';
import { collectSettings, RANDOM_STATE } from './settings.js';
import {
  collectSearchSpace,
  type Point,
  pointAt,
  pointKey,
  type SearchSpace,
  samplePoint,
  toAssignments,
} from './space/index.js';
import type { Suggester, Suggestion, SuggestRequest } from './suggester.js';

/** Fresh draws tried before a finite space is treated as nearly used up. */
const RETRIES = 64;
/** Largest finite space whose unused points are listed once draws keep hitting used ones. */
const ENUMERATION_LIMIT = 100_000;

/**
 * Katib's `random`: independent draws per each parameter's distribution. Never repeats an
 * assignment already in the history (or earlier in the same answer); on a finite space that is
 * used up it returns fewer suggestions, none at the end.
 */
export class RandomSuggester implements Suggester {
  readonly #tried = new TriedKeysCache();

  validateSettings(experiment: Experiment): void {
    const issues = new Issues();
    collectSettings(experiment, 'random', RANDOM_STATE, issues);
    collectSearchSpace(experiment.spec.parameters, issues);
    issues.throwIfAny();
  }

  suggest({ experiment, trials, count }: SuggestRequest): Suggestion[] {
    checkCount(count);
    const issues = new Issues();
    const settings = collectSettings(experiment, 'random', RANDOM_STATE, issues);
    const space = collectSearchSpace(experiment.spec.parameters, issues);
    issues.throwIfAny();
    const rng = new Rng(
      seedFor({
        algorithm: 'random',
        randomState: settings.get('random_state'),
        historyLength: trials.length,
      }),
    );
    const used = this.#tried.keys(space, trials);
    const drawer = new Drawer(space, rng, used);
    const suggestions: Suggestion[] = [];
    while (suggestions.length < count) {
      const point = drawer.next();
      if (point === undefined) break;
      suggestions.push({ assignments: toAssignments(space, point) });
    }
    return suggestions;
  }
}

/** Draws points not in `used`, adding each one it hands out. Lives for one suggest call. */
class Drawer {
  #free: Point[] | undefined;

  constructor(
    readonly space: SearchSpace,
    readonly rng: Rng,
    readonly used: KeySet,
  ) {}

  next(): Point | undefined {
    if (this.#free === undefined) {
      for (let i = 0; i < RETRIES; i++) {
        const point = samplePoint(this.space, this.rng);
        const key = pointKey(this.space, point);
        if (!this.used.has(key)) {
          this.used.add(key);
          return point;
        }
      }
      // Draws keep landing on used points: the space is (nearly) used up. List what is left once
      // and pick among it uniformly; a space too big to list is practically never this full.
      if (this.space.size > ENUMERATION_LIMIT) return undefined;
      this.#free = [];
      for (let i = 0; i < this.space.size; i++) {
        const point = pointAt(this.space, i);
        if (!this.used.has(pointKey(this.space, point))) this.#free.push(point);
      }
    }
    if (this.#free.length === 0) return undefined;
    const at = this.rng.int(0, this.#free.length - 1);
    const [point] = this.#free.splice(at, 1);
    this.used.add(pointKey(this.space, point!));
    return point;
  }
}
