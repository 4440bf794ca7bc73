import { comparedValue } from '../../api/compared-value.js';
import type { Experiment } from '../../api/experiment.js';
import { TERMINAL_TRIAL_CONDITIONS, type Trial } from '../../api/trial.js';
import { trialState } from '../history.js';
import { type Point, type SearchSpace, tryParseAssignments } from '../space/index.js';
import { generationOf } from './labels.js';

/** One trial of the population as PBT sees it. */
export interface Member {
  name: string;
  point: Point;
  parent: string | undefined;
  /** Where it stands: still going, ended with an objective value, or ended without one. */
  state: 'pending' | 'observed' | 'failed';
  /** The compared objective value oriented so that lower is better (observed only). */
  loss: number;
}

/**
 * The members of one generation, in creation order. Trials without a valid generation label,
 * or whose assignments do not fit the space, are no member of any generation (left out).
 */
export function generations(
  experiment: Experiment,
  space: SearchSpace,
  trials: readonly Trial[],
  parentLabel: string,
): Map<number, Member[]> {
  const objective = experiment.spec.objective;
  const sign = objective.type === 'maximize' ? -1 : 1;
  const byGeneration = new Map<number, Member[]>();
  for (const trial of trials) {
    const generation = generationOf(trial.labels);
    const point = tryParseAssignments(space, trial.parameterAssignments);
    if (generation === undefined || point === undefined) continue;
    const state = trialState(trial);
    let kind: Member['state'] = 'pending';
    let loss = Number.NaN;
    if (TERMINAL_TRIAL_CONDITIONS.includes(state)) {
      kind = 'failed';
      if (state === 'Succeeded' || state === 'EarlyStopped') {
        const value = comparedValue(
          trial.observation?.metrics ?? [],
          objective.objectiveMetricName,
          objective,
        );
        if (value !== undefined && !Number.isNaN(value)) {
          kind = 'observed';
          loss = sign * value;
        }
      }
    }
    const member: Member = {
      name: trial.name,
      point,
      parent: trial.labels?.[parentLabel],
      state: kind,
      loss,
    };
    const list = byGeneration.get(generation);
    if (list === undefined) byGeneration.set(generation, [member]);
    else list.push(member);
  }
  return byGeneration;
}

/** Best first by loss, ties to the older member. Returns a new array. */
export function ranked(members: readonly Member[]): Member[] {
  return members
    .map((m, i) => ({ m, i }))
    .sort((a, b) => (a.m.loss !== b.m.loss ? (a.m.loss < b.m.loss ? -1 : 1) : a.i - b.i))
    .map(({ m }) => m);
}
