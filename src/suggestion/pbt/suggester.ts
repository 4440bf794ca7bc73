import type { Experiment } from '../../api/experiment.js';
import { Issues } from '../issues.js';
import { checkCount } from '../request.js';
import { Rng, seedFor } from '../rng.js';
import { type Point, samplePoint, toAssignments } from '../space/index.js';
import type { Suggester, Suggestion, SuggestRequest } from '../suggester.js';
import { explore } from './explore.js';
import { PARENT_LABEL, pbtLabels } from './labels.js';
import { generations, type Member, ranked } from './population.js';
import { collectPlan, type PbtPlan } from './settings.js';

/** One trial a generation should hold: its values and the trial whose checkpoint it starts from. */
export interface Slot {
  point: Point;
  parent: string | undefined;
}

/**
 * Katib's Population Based Training. Stateless, like every suggester here: the population is
 * rebuilt on each call from the history's generation and parent labels (see labels.ts).
 *
 * - Generation 0 is random draws.
 * - Generation g+1 starts once `n_population` trials of generation g have ended with a value.
 *   Its trials are made from those members, ranked: a member in the bottom
 *   `truncation_threshold` fraction is *exploited*: replaced by a copy of the values of a random
 *   member of the top fraction, whose checkpoint it continues (parent = that top member); every
 *   other member is *explored*: its own values are perturbed (or resampled), continuing its own
 *   checkpoint (parent = itself).
 * - Like Katib's service it always answers `count` suggestions: while generation g waits for
 *   running trials, further trials of generation g are made the same way (more random draws for
 *   generation 0, more children of random members of g-1 after that). A trial that failed is
 *   not counted, so the next one takes its place.
 * - Each slot of a generation is drawn from its own seed (random_state, generation, slot), so
 *   the plan is the same whichever call hands its trials out.
 * - It never runs out by itself: maxTrialCount (or the goal) ends the experiment.
 */
export class PbtSuggester implements Suggester {
  validateSettings(experiment: Experiment): void {
    const issues = new Issues();
    collectPlan(experiment, issues);
    issues.throwIfAny();
  }

  suggest({ experiment, trials, count }: SuggestRequest): Suggestion[] {
    checkCount(count);
    const issues = new Issues();
    const plan = collectPlan(experiment, issues);
    issues.throwIfAny();
    if (plan === undefined || count === 0) return [];
    const byGeneration = generations(experiment, plan.space, trials, PARENT_LABEL);
    let generation = Math.max(0, ...byGeneration.keys());
    if (observed(byGeneration.get(generation)).length >= plan.population) generation++;
    const from = (byGeneration.get(generation) ?? []).length;
    const previous = observed(byGeneration.get(generation - 1)).slice(0, plan.population);
    return planSlots(plan, generation, previous, from, count).map((slot) => ({
      assignments: toAssignments(plan.space, slot.point),
      labels: pbtLabels(generation, slot.parent),
    }));
  }
}

function observed(members: readonly Member[] | undefined): Member[] {
  return (members ?? []).filter((m) => m.state === 'observed');
}

/**
 * Slots `from` .. `from + count - 1` of generation `generation`: random draws for generation 0;
 * after that, slot k < |previous| is the child of previous[k] (creation order), any further slot
 * the child of a random member of `previous`. Empty when `previous` is (nothing to breed from).
 */
export function planSlots(
  plan: PbtPlan,
  generation: number,
  previous: readonly Member[],
  from: number,
  count: number,
): Slot[] {
  const order = ranked(previous);
  const cut = Math.floor(previous.length * plan.truncation);
  const top = order.slice(0, Math.max(1, cut));
  const bottom = new Set(cut === 0 ? [] : order.slice(previous.length - cut));
  const slots: Slot[] = [];
  for (let k = from; k < from + count; k++) {
    const rng = new Rng(
      seedFor({ algorithm: 'pbt', randomState: plan.randomState, historyLength: generation, stream: k }),
    );
    if (generation === 0) {
      slots.push({ point: samplePoint(plan.space, rng), parent: undefined });
      continue;
    }
    if (previous.length === 0) break;
    const member = k < previous.length ? previous[k]! : rng.pick(previous);
    if (bottom.has(member)) {
      const source = rng.pick(top);
      slots.push({ point: source.point, parent: source.name });
    } else {
      slots.push({ point: explore(plan.space, member.point, rng, plan.resample), parent: member.name });
    }
  }
  return slots;
}
