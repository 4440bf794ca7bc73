/**
 * Katib's experiment bookkeeping as pure functions: trial counts, the optimal trial, and the
 * rule that ends an experiment. The controller persists what these return.
 */

import { currentCondition } from '../api/conditions.js';
import type {
  ExperimentConditionType,
  ExperimentSpec,
  ExperimentStatus,
  OptimalTrial,
} from '../api/experiment.js';
import { TRIAL_CONDITION_TYPES, type Trial, type TrialConditionType } from '../api/trial.js';
import { comparedValue } from '../collector/index.js';

export type TrialCounts = Pick<
  ExperimentStatus,
  | 'trials'
  | 'trialsSucceeded'
  | 'trialsFailed'
  | 'trialsKilled'
  | 'trialsRunning'
  | 'trialsPending'
  | 'trialsEarlyStopped'
  | 'trialMetricsUnavailable'
>;

/**
 * The condition types a new phase turns False (Running when Succeeded is set, and so on). Created
 * is not among them: as in Katib, it stays True for the object's whole life.
 */
export const EXPERIMENT_PHASES: readonly ExperimentConditionType[] = [
  'Running',
  'Restarting',
  'Succeeded',
  'Failed',
];
export const TRIAL_PHASES: readonly TrialConditionType[] = TRIAL_CONDITION_TYPES.filter(
  (t) => t !== 'Created',
);

export interface TrialsSummary {
  counts: TrialCounts;
  /** Trials that ended (every terminal condition). */
  completed: number;
  /** Trials that count against maxFailedTrialCount: Failed and MetricsUnavailable. */
  failed: number;
  /** Created or Running. */
  active: number;
  optimal?: OptimalTrial;
  /** The optimal trial's compared objective value. */
  bestValue?: number;
  goalReached: boolean;
}

/** Every count at zero. */
export function zeroCounts(): TrialCounts {
  return {
    trials: 0,
    trialsSucceeded: 0,
    trialsFailed: 0,
    trialsKilled: 0,
    trialsRunning: 0,
    trialsPending: 0,
    trialsEarlyStopped: 0,
    trialMetricsUnavailable: 0,
  };
}

/** The state a trial is in: its newest True condition (Created when it has none yet). */
export function trialState(trial: Trial): TrialConditionType {
  return currentCondition(trial.conditions)?.type ?? 'Created';
}

/**
 * Counts trials by state and finds the optimal one: the best compared objective value (the
 * metric strategy's min/max/latest), ties to the earlier trial; trials whose objective is
 * unavailable or not a number are never optimal.
 */
export function summarizeTrials(spec: ExperimentSpec, trials: readonly Trial[]): TrialsSummary {
  const counts: TrialCounts = { ...zeroCounts(), trials: trials.length };
  const objective = spec.objective;
  const maximize = objective.type === 'maximize';
  let best: Trial | undefined;
  let bestValue: number | undefined;
  for (const trial of trials) {
    switch (trialState(trial)) {
      case 'Succeeded':
        counts.trialsSucceeded++;
        break;
      case 'Failed':
        counts.trialsFailed++;
        break;
      case 'MetricsUnavailable':
        counts.trialMetricsUnavailable++;
        break;
      case 'Killed':
        counts.trialsKilled++;
        break;
      case 'EarlyStopped':
        counts.trialsEarlyStopped++;
        break;
      case 'Running':
        counts.trialsRunning++;
        break;
      case 'Created':
        counts.trialsPending++;
        break;
    }
    const metrics = trial.observation?.metrics;
    if (!metrics) continue;
    const value = comparedValue(metrics, objective.objectiveMetricName, objective);
    if (value === undefined || Number.isNaN(value)) continue;
    if (bestValue === undefined || (maximize ? value > bestValue : value < bestValue)) {
      best = trial;
      bestValue = value;
    }
  }
  const goal = objective.goal;
  const goalReached =
    goal !== undefined && bestValue !== undefined && (maximize ? bestValue >= goal : bestValue <= goal);
  const failed = counts.trialsFailed + counts.trialMetricsUnavailable;
  const completed = failed + counts.trialsSucceeded + counts.trialsKilled + counts.trialsEarlyStopped;
  return {
    counts,
    completed,
    failed,
    active: counts.trialsRunning + counts.trialsPending,
    goalReached,
    ...(best && bestValue !== undefined
      ? {
          bestValue,
          optimal: {
            bestTrialName: best.name,
            parameterAssignments: best.parameterAssignments.map((a) => ({ ...a })),
            observation: { metrics: (best.observation?.metrics ?? []).map((m) => ({ ...m })) },
          },
        }
      : {}),
  };
}

export interface ExperimentEnd {
  type: Extract<ExperimentConditionType, 'Succeeded' | 'Failed'>;
  reason: string;
  message: string;
}

/**
 * Katib's end rule, checked in this order: the objective goal reached; more failed trials than
 * maxFailedTrialCount (strictly more, as Katib's controller compares: the count is how many
 * failures are tolerated); completed trials reaching maxTrialCount; the algorithm exhausted with
 * nothing active. Undefined while the experiment goes on.
 */
export function experimentEnd(
  spec: ExperimentSpec,
  summary: TrialsSummary,
  suggestionsExhausted: boolean,
): ExperimentEnd | undefined {
  if (summary.goalReached) {
    return {
      type: 'Succeeded',
      reason: 'ExperimentGoalReached',
      message: 'Experiment has succeeded because Objective goal has reached',
    };
  }
  if (spec.maxFailedTrialCount !== undefined && summary.failed > spec.maxFailedTrialCount) {
    return {
      type: 'Failed',
      reason: 'ExperimentFailed',
      message: 'Experiment has failed because max failed count has reached',
    };
  }
  if (spec.maxTrialCount !== undefined && summary.completed >= spec.maxTrialCount) {
    return {
      type: 'Succeeded',
      reason: 'ExperimentMaxTrialsReached',
      message: 'Experiment has succeeded because max trial count has reached',
    };
  }
  if (suggestionsExhausted && summary.active === 0) {
    return {
      type: 'Succeeded',
      reason: 'ExperimentSuggestionEndReached',
      message: 'Experiment has succeeded because suggestion service has reached the end',
    };
  }
  return undefined;
}

/**
 * How many new trials to create now: free parallel slots, capped by what maxTrialCount leaves
 * once every trial created so far (active or ended) is counted.
 */
export function trialsToCreate(spec: ExperimentSpec, summary: TrialsSummary): number {
  const free = spec.parallelTrialCount - summary.active;
  const budget =
    spec.maxTrialCount === undefined ? Number.POSITIVE_INFINITY : spec.maxTrialCount - summary.counts.trials;
  return Math.max(0, Math.min(free, budget));
}
