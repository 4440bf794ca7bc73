/**
 * The controller's in-memory trials, with the bookkeeping kept up to date as trials change, so a
 * long experiment costs O(1) per trial event instead of a pass over every trial: counts by state,
 * the optimal trial, the trials waiting to start, lookup by name. `summary()` returns exactly what
 * summarizeTrials would for the same trials (same counts, same optimal trial with ties to the
 * earlier one).
 */
import type { ExperimentSpec } from '../api/experiment.js';
import type { Trial, TrialConditionType } from '../api/trial.js';
import { comparedValue } from '../collector/index.js';
import { type TrialCounts, type TrialsSummary, trialState, zeroCounts } from './experiment-status.js';

const COUNT_OF: Record<TrialConditionType, keyof TrialCounts> = {
  Created: 'trialsPending',
  Running: 'trialsRunning',
  Succeeded: 'trialsSucceeded',
  Failed: 'trialsFailed',
  Killed: 'trialsKilled',
  MetricsUnavailable: 'trialMetricsUnavailable',
  EarlyStopped: 'trialsEarlyStopped',
};

export class TrialBook {
  /** In creation order; replaced in place (`put`), never reordered. Read it, do not change it. */
  readonly trials: Trial[];
  readonly #spec: ExperimentSpec;
  readonly #index = new Map<string, { at: number; state: TrialConditionType; value: number | undefined }>();
  readonly #created = new Set<string>();
  readonly #counts: TrialCounts = zeroCounts();
  #best: { at: number; value: number } | undefined;

  /** Takes `trials` (in creation order) as its own list. */
  constructor(spec: ExperimentSpec, trials: Trial[]) {
    this.#spec = spec;
    this.trials = trials;
    for (let at = 0; at < trials.length; at++) this.#enter(trials[at]!, at);
  }

  get(name: string): Trial | undefined {
    const entry = this.#index.get(name);
    return entry ? this.trials[entry.at] : undefined;
  }

  /** Adds a new trial at the end, or replaces the stored trial of the same name. */
  put(trial: Trial): void {
    const entry = this.#index.get(trial.name);
    if (!entry) {
      this.trials.push(trial);
      this.#enter(trial, this.trials.length - 1);
      return;
    }
    const value = this.#valueOf(trial);
    if (this.#best?.at === entry.at && value !== entry.value) {
      // The optimal trial's observation changed (never in the controller: ended trials are
      // immutable). Start over rather than track a retraction.
      this.trials[entry.at] = trial;
      this.#rebuild();
      return;
    }
    this.#counts[COUNT_OF[entry.state]]--;
    this.#created.delete(trial.name);
    this.trials[entry.at] = trial;
    this.#enter(trial, entry.at, value);
    this.#counts.trials--;
  }

  /** Trials whose state is Created (waiting to start), in the order they became so. */
  created(): Trial[] {
    return [...this.#created].map((name) => this.get(name)!);
  }

  summary(): TrialsSummary {
    const counts = { ...this.#counts };
    const failed = counts.trialsFailed + counts.trialMetricsUnavailable;
    const completed = failed + counts.trialsSucceeded + counts.trialsKilled + counts.trialsEarlyStopped;
    const objective = this.#spec.objective;
    const bestValue = this.#best?.value;
    const goalReached =
      objective.goal !== undefined &&
      bestValue !== undefined &&
      (objective.type === 'maximize' ? bestValue >= objective.goal : bestValue <= objective.goal);
    const summary: TrialsSummary = {
      counts,
      completed,
      failed,
      active: counts.trialsRunning + counts.trialsPending,
      goalReached,
    };
    if (this.#best) {
      const best = this.trials[this.#best.at]!;
      summary.bestValue = this.#best.value;
      summary.optimal = {
        bestTrialName: best.name,
        parameterAssignments: best.parameterAssignments.map((a) => ({ ...a })),
        observation: { metrics: (best.observation?.metrics ?? []).map((m) => ({ ...m })) },
      };
    }
    return summary;
  }

  #enter(trial: Trial, at: number, value = this.#valueOf(trial)): void {
    const state = trialState(trial);
    this.#index.set(trial.name, { at, state, value });
    this.#counts.trials++;
    this.#counts[COUNT_OF[state]]++;
    if (state === 'Created') this.#created.add(trial.name);
    if (value === undefined) return;
    const best = this.#best;
    const maximize = this.#spec.objective.type === 'maximize';
    if (
      !best ||
      (maximize ? value > best.value : value < best.value) ||
      (value === best.value && at < best.at)
    ) {
      this.#best = { at, value };
    }
  }

  #valueOf(trial: Trial): number | undefined {
    const metrics = trial.observation?.metrics;
    if (!metrics) return undefined;
    const value = comparedValue(metrics, this.#spec.objective.objectiveMetricName, this.#spec.objective);
    return value === undefined || Number.isNaN(value) ? undefined : value;
  }

  #rebuild(): void {
    this.#index.clear();
    this.#created.clear();
    for (const key of Object.keys(this.#counts) as (keyof TrialCounts)[]) this.#counts[key] = 0;
    this.#best = undefined;
    for (let at = 0; at < this.trials.length; at++) this.#enter(this.trials[at]!, at);
  }
}
