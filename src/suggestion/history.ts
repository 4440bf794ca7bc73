import { comparedValue } from '../api/compared-value.js';
import type { Experiment } from '../api/experiment.js';
import { TERMINAL_TRIAL_CONDITIONS, type Trial, type TrialConditionType } from '../api/trial.js';
import { type Point, type SearchSpace, tryParseAssignments } from './space/index.js';

/** A trial that ended with an objective value, as model-based algorithms see it. */
export interface ObservedTrial {
  /** Position of the trial in the request's `trials` (creation order: larger is newer). */
  index: number;
  point: Point;
  /**
   * The compared objective value (the metric strategy's min/max/latest), oriented so that
   * lower is better: the value itself when minimizing, its negation when maximizing. May be
   * +-Infinity when a trial reported one.
   */
  loss: number;
  /**
   * EarlyStopped: the value comes from a run cut short, so it is not comparable with finished
   * runs. Algorithms rank these after every Succeeded trial.
   */
  stopped: boolean;
}

/** A request's trial history split the way model-based algorithms need it. */
export interface History {
  /** Succeeded and EarlyStopped trials with a numeric objective value, in creation order. */
  observed: ObservedTrial[];
  /** Points of trials that have not ended yet (Created, Running): for the constant liar. */
  pending: Point[];
  /** Points of trials that ended without a usable value (Failed, Killed, MetricsUnavailable, ...). */
  failed: Point[];
  /** Trials whose assignments do not fit the current search space (ignored). */
  unfit: number;
}

/**
 * Reads the history of a suggest request once: every trial's point (parsed from its
 * assignments), its state (its newest True condition) and, for finished trials, the compared
 * objective value as the experiment defines it (see comparedValue).
 */
export function readHistory(space: SearchSpace, experiment: Experiment, trials: readonly Trial[]): History {
  const objective = experiment.spec.objective;
  const sign = objective.type === 'maximize' ? -1 : 1;
  const history: History = { observed: [], pending: [], failed: [], unfit: 0 };
  trials.forEach((trial, index) => {
    const point = tryParseAssignments(space, trial.parameterAssignments);
    if (point === undefined) {
      history.unfit++;
      return;
    }
    const state = trialState(trial);
    if (!TERMINAL_TRIAL_CONDITIONS.includes(state)) {
      history.pending.push(point);
      return;
    }
    if (state === 'Succeeded' || state === 'EarlyStopped') {
      const value = comparedValue(trial.observation?.metrics ?? [], objective.objectiveMetricName, objective);
      if (value !== undefined && !Number.isNaN(value)) {
        history.observed.push({ index, point, loss: sign * value, stopped: state === 'EarlyStopped' });
        return;
      }
    }
    history.failed.push(point);
  });
  return history;
}

/** The trial's state: its newest True condition (Created when it has none yet). */
export function trialState(trial: Trial): TrialConditionType {
  let latest: Trial['conditions'][number] | undefined;
  for (const c of trial.conditions) {
    if (c.status !== 'True') continue;
    if (latest === undefined || c.lastTransitionTime >= latest.lastTransitionTime) latest = c;
  }
  return latest?.type ?? 'Created';
}

/**
 * The observed trials best first: Succeeded ones by loss, then EarlyStopped ones by loss, ties
 * to the older trial. Returns a new array.
 */
export function rankObserved(observed: readonly ObservedTrial[]): ObservedTrial[] {
  return [...observed].sort(compareObserved);
}

/** The order of rankObserved: negative when `a` ranks before `b`. */
export function compareObserved(a: ObservedTrial, b: ObservedTrial): number {
  if (a.stopped !== b.stopped) return a.stopped ? 1 : -1;
  if (a.loss !== b.loss) return a.loss < b.loss ? -1 : 1;
  return a.index - b.index;
}
