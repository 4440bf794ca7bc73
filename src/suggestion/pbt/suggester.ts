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
 * - Generation 0 is `n_population` random draws.
 * - Generation g+1 starts once every trial of generation g has ended (failed ones are re-run
 *   first with the same values, generation and parent, as Katib re-queues them). Its members are
 *   made from g's ranked members, one each: a member in the bottom `truncation_threshold`
 *   fraction is *exploited*: it is replaced by a copy of the values of a random member of the
 *   top fraction, whose checkpoint it continues (parent = that top member); every other member
 *   is *explored*: its own values are perturbed (or resampled), continuing its own checkpoint.
 * - Draws are seeded from `random_state` and the generation number, so each generation's plan is
 *   the same whichever call hands its trials out.
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
    if (plan === undefined) return [];
    const byGeneration = generations(experiment, plan.space, trials, PARENT_LABEL);
    let generation = Math.max(0, ...byGeneration.keys());
    const out: Suggestion[] = [];
    const emit = (slot: Slot, g: number) => {
      out.push({ assignments: toAssignments(plan.space, slot.point), labels: pbtLabels(g, slot.parent) });
    };
    // Two rounds at most: finish the current generation, or start the next one.
    for (let round = 0; round < 2 && out.length < count; round++) {
      const members = byGeneration.get(generation) ?? [];
      if (members.length < plan.population) {
        const slots = planGeneration(plan, generation, byGeneration.get(generation - 1) ?? []);
        for (const slot of slots.slice(members.length, members.length + count - out.length)) {
          emit(slot, generation);
        }
        return out;
      }
      // Each failed member is re-run once; the re-runs are the members past n_population.
      const failed = members.filter((m) => m.state === 'failed');
      const rerun = failed.slice(members.length - plan.population);
      for (const m of rerun.slice(0, count - out.length))
        emit({ point: m.point, parent: m.parent }, generation);
      if (rerun.length > 0 || members.some((m) => m.state === 'pending')) return out;
      generation++;
    }
    return out;
  }
}

/**
 * The slots of generation `generation`, in order: random draws for generation 0, else one per
 * member of the previous generation that ended with a value (exploit or explore).
 */
export function planGeneration(plan: PbtPlan, generation: number, previous: readonly Member[]): Slot[] {
  const rng = new Rng(
    seedFor({ algorithm: 'pbt', randomState: plan.randomState, historyLength: generation }),
  );
  if (generation === 0) {
    return Array.from({ length: plan.population }, () => ({
      point: samplePoint(plan.space, rng),
      parent: undefined,
    }));
  }
  const pool = previous.filter((m) => m.state === 'observed');
  const order = ranked(pool);
  const cut = Math.floor(pool.length * plan.truncation);
  const top = order.slice(0, Math.max(1, cut));
  const bottom = new Set(cut === 0 ? [] : order.slice(pool.length - cut));
  return pool.map((member) => {
    if (bottom.has(member)) {
      const source = rng.pick(top);
      return { point: source.point, parent: source.name };
    }
    return { point: explore(plan.space, member.point, rng, plan.resample), parent: member.name };
  });
}
