import type { Experiment } from '../../api/experiment.js';
import { TERMINAL_TRIAL_CONDITIONS, type Trial } from '../../api/trial.js';
import { rankObserved, readHistory, trialState } from '../history.js';
import { Issues } from '../issues.js';
import { checkCount, triedKeys } from '../request.js';
import { Rng, seedFor } from '../rng.js';
import {
  formatValue,
  type Point,
  pointKey,
  samplePoint,
  toAssignments,
  tryParseAssignments,
  type Value,
} from '../space/index.js';
import type { Suggester, Suggestion, SuggestRequest } from '../suggester.js';
import { Rungs, rungLabels } from './labels.js';
import { resourceAt, rungSize } from './schedule.js';
import { collectPlan, type HyperbandPlan } from './settings.js';

/** Fresh draws tried for a first-rung configuration not tried before; then a repeat is accepted. */
const RETRIES = 64;

/**
 * Katib's `hyperband`, stateless. Each suggestion carries labels naming its bracket and rung
 * (see labels.ts); from those and the trials' states the whole loop is re-derived per request:
 * - bracket s (s_max down to 0) starts n_s random configurations at resource r_l * eta^-s;
 * - once every trial of rung i has ended, the best ceil(n_s / eta^(i+1)) Succeeded ones of it
 *   (by the objective as the experiment compares it; ties to the older trial) are suggested
 *   again with the resource multiplied by eta, as rung i+1; Failed, EarlyStopped and Killed
 *   trials are never promoted, and a rung with none to promote ends its bracket;
 * - a rung is handed out over as many requests as it takes (parallelTrialCount may be smaller
 *   than the rung, unlike Katib's service, which hands a rung out in one reply);
 * - brackets are independent, so while one waits for its rung to end, the next bracket's trials
 *   fill the free slots; the most aggressive bracket always goes first.
 * No suggestions once every bracket has finished. `validateSettings` also applies Katib's rule
 * parallelTrialCount >= eta^s_max, which `suggest` does not need and does not check.
 */
export class HyperbandSuggester implements Suggester {
  validateSettings(experiment: Experiment): void {
    const issues = new Issues();
    collectPlan(experiment, issues, true);
    issues.throwIfAny();
  }

  suggest({ experiment, trials, count }: SuggestRequest): Suggestion[] {
    checkCount(count);
    const issues = new Issues();
    const plan = collectPlan(experiment, issues, false);
    issues.throwIfAny();
    if (count === 0 || plan === undefined) return [];
    const rng = new Rng(
      seedFor({ algorithm: 'hyperband', randomState: plan.randomState, historyLength: trials.length }),
    );
    const work = new Work(plan, experiment, trials, rng, count);
    for (let s = plan.schedule.sMax; s >= 0 && !work.full; s--) work.advance(s);
    return work.out;
  }
}

/** The suggestions of one request, gathered bracket by bracket. */
class Work {
  readonly out: Suggestion[] = [];
  readonly #rungs: Rungs;
  readonly #used: Set<string>;

  constructor(
    readonly plan: HyperbandPlan,
    readonly experiment: Experiment,
    trials: readonly Trial[],
    readonly rng: Rng,
    readonly count: number,
  ) {
    this.#rungs = new Rungs(trials, plan.schedule.sMax);
    this.#used = triedKeys(plan.space, trials);
  }

  get full(): boolean {
    return this.out.length >= this.count;
  }

  /** Hands out what bracket s can run now: the rest of its current rung, or its next rung. */
  advance(s: number): void {
    const { schedule } = this.plan;
    let promoted: Point[] | undefined;
    for (let i = 0; i <= s; i++) {
      const members = this.#rungs.of(s, i);
      const created =
        promoted === undefined
          ? this.#fillFirstRung(s, rungSize(schedule, s, 0) - members.length)
          : this.#promote(s, i, promoted, members);
      // A rung still being handed out (now or in a later request) is not over yet.
      if (!created) return;
      if (members.some((t) => !TERMINAL_TRIAL_CONDITIONS.includes(trialState(t)))) return;
      if (i === s) return;
      // Only ended trials below: this rung will not change, so its ranking is final.
      const observed = readHistory(this.plan.space, this.experiment, members).observed;
      promoted = rankObserved(observed.filter((o) => !o.stopped))
        .slice(0, rungSize(schedule, s, i + 1))
        .map((o) => o.point);
      if (promoted.length === 0) return;
    }
  }

  /** Suggests up to `missing` random configurations; true when none was missing. */
  #fillFirstRung(s: number, missing: number): boolean {
    if (missing <= 0) return true;
    const resource = this.#resource(s, 0);
    for (let k = 0; k < missing && !this.full; k++) {
      let point = this.#draw(resource);
      for (let tries = 1; tries < RETRIES && this.#used.has(pointKey(this.plan.space, point)); tries++) {
        point = this.#draw(resource);
      }
      this.#add(point, s, 0);
    }
    return false;
  }

  /**
   * Suggests the promoted configurations that rung i does not hold yet, at rung i's resource;
   * true when it held them all already.
   */
  #promote(s: number, i: number, promoted: readonly Point[], members: readonly Trial[]): boolean {
    // A multiset: the same configuration promoted twice (a repeated draw) needs two trials.
    const present = new Map<string, number>();
    for (const trial of members) {
      const point = tryParseAssignments(this.plan.space, trial.parameterAssignments);
      if (point === undefined) continue;
      const key = this.#configKey(point);
      present.set(key, (present.get(key) ?? 0) + 1);
    }
    const resource = this.#resource(s, i);
    let complete = true;
    for (const parent of promoted) {
      const key = this.#configKey(parent);
      const left = present.get(key) ?? 0;
      if (left > 0) {
        present.set(key, left - 1);
        continue;
      }
      complete = false;
      if (!this.full) this.#add(this.#withResource(parent, resource), s, i);
    }
    return complete;
  }

  #add(point: Point, s: number, i: number): void {
    this.#used.add(pointKey(this.plan.space, point));
    this.out.push({ assignments: toAssignments(this.plan.space, point), labels: rungLabels(s, i) });
  }

  #draw(resource: number): Point {
    return this.#withResource(samplePoint(this.plan.space, this.rng), resource);
  }

  #resource(s: number, i: number): number {
    return resourceAt(this.plan.schedule, s, i, this.plan.integer);
  }

  #withResource(point: Point, resource: number): Point {
    const next: Value[] = [...point];
    next[this.plan.resource] = resource;
    return next;
  }

  /** The configuration without its resource: what stays the same from rung to rung. */
  #configKey(point: Point): string {
    const { params } = this.plan.space;
    return JSON.stringify(params.map((p, k) => (k === this.plan.resource ? '' : formatValue(p, point[k]!))));
  }
}
