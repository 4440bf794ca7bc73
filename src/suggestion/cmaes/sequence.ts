import { comparedValue } from '../../api/compared-value.js';
import type { Experiment } from '../../api/experiment.js';
import { TERMINAL_TRIAL_CONDITIONS, type Trial } from '../../api/trial.js';
import { trialState } from '../history.js';
import { type Point, type SearchSpace, tryParseAssignments } from '../space/index.js';

/** One trial in creation order, as CMA-ES's replay needs it. */
export interface SequenceEntry {
  point: Point;
  /** Not ended yet. */
  pending: boolean;
  /** The loss (negated objective when maximising); NaN when the trial ended without a finite one. */
  loss: number;
}

/**
 * Every trial whose assignments fit the space, in creation order with its state. Unlike the
 * shared readHistory (which groups trials by state), CMA-ES needs the interleaving: generations
 * are runs of consecutive trials.
 */
export function readSequence(
  space: SearchSpace,
  experiment: Experiment,
  trials: readonly Trial[],
): SequenceEntry[] {
  const objective = experiment.spec.objective;
  const sign = objective.type === 'maximize' ? -1 : 1;
  const entries: SequenceEntry[] = [];
  for (const trial of trials) {
    const point = tryParseAssignments(space, trial.parameterAssignments);
    if (point === undefined) continue;
    const state = trialState(trial);
    if (!TERMINAL_TRIAL_CONDITIONS.includes(state)) {
      entries.push({ point, pending: true, loss: Number.NaN });
      continue;
    }
    const value =
      state === 'Succeeded' || state === 'EarlyStopped'
        ? comparedValue(trial.observation?.metrics ?? [], objective.objectiveMetricName, objective)
        : undefined;
    const loss = value === undefined || !Number.isFinite(value) ? Number.NaN : sign * value;
    entries.push({ point, pending: false, loss });
  }
  return entries;
}
