import { currentCondition } from '../api/conditions.js';
import type { EarlyStoppingSpec, Experiment } from '../api/experiment.js';
import { parseMetricNumber } from '../api/metric-value.js';
import type { MetricLog } from '../api/observation.js';
import type { Trial } from '../api/trial.js';
import type { EarlyStopper, EarlyStoppingRequest, LogQuery } from './early-stopper.js';
import type { EarlyStoppingRule } from './rules.js';
import { readSettings, wholeNumberAtLeast } from './settings.js';

/** Katib's medianstop defaults. */
export const MEDIANSTOP_DEFAULTS = Object.freeze({ minTrialsRequired: 3, startStep: 4 });

const CHECKS = {
  // Katib: int(value) > 0 and int(value) >= 1.
  min_trials_required: wholeNumberAtLeast(1),
  start_step: wholeNumberAtLeast(1),
};

/**
 * Katib's `medianstop` (after the median stopping rule of Google Vizier). Settings
 * `min_trials_required` (default 3) and `start_step` (default 4). Once at least
 * min_trials_required trials have Succeeded, one rule: the objective metric compared with the
 * mean, over the Succeeded trials, of each one's average of its first start_step reported
 * objective values; LESS when maximizing, GREATER when minimizing, from report start_step on.
 * A running trial whose best value so far is worse than that after start_step reports is
 * stopped. The mean, not the median the name suggests, is what Katib's service computes: a
 * Katib user moving an experiment here gets the same stopping decisions. Succeeded trials with
 * no numeric objective log are left out.
 */
export class MedianStop implements EarlyStopper {
  validateSettings(spec: EarlyStoppingSpec): void {
    readSettings(spec, 'medianstop', CHECKS);
  }

  logQueries({ experiment, trials }: Omit<EarlyStoppingRequest, 'logs'>): LogQuery[] {
    const metricName = experiment.spec.objective.objectiveMetricName;
    return trials.filter(succeeded).map((trial) => ({ trialName: trial.name, metricName }));
  }

  rules({ experiment, trials, logs }: EarlyStoppingRequest): EarlyStoppingRule[] {
    const { minTrialsRequired, startStep } = settingsOf(experiment);
    const objective = experiment.spec.objective;
    const averages: number[] = [];
    for (const trial of trials) {
      if (!succeeded(trial)) continue;
      const average = firstStepsAverage(logs.get(trial.name) ?? [], objective.objectiveMetricName, startStep);
      if (average !== undefined && !Number.isNaN(average)) averages.push(average);
    }
    if (averages.length < minTrialsRequired) return [];
    return [
      {
        name: objective.objectiveMetricName,
        value: mean(averages),
        comparison: objective.type === 'maximize' ? 'less' : 'greater',
        startStep,
      },
    ];
  }
}

function settingsOf(experiment: Experiment): { minTrialsRequired: number; startStep: number } {
  const settings = readSettings(experiment.spec.earlyStopping, 'medianstop', CHECKS);
  const number = (name: string, fallback: number) => {
    const text = settings.get(name);
    return text === undefined ? fallback : Number(text.trim());
  };
  return {
    minTrialsRequired: number('min_trials_required', MEDIANSTOP_DEFAULTS.minTrialsRequired),
    startStep: number('start_step', MEDIANSTOP_DEFAULTS.startStep),
  };
}

function succeeded(trial: Trial): boolean {
  return currentCondition(trial.conditions)?.type === 'Succeeded';
}

/** The mean of the first `steps` numeric values of `metric` in the log (fewer if it has fewer). */
function firstStepsAverage(logs: readonly MetricLog[], metric: string, steps: number): number | undefined {
  let sum = 0;
  let n = 0;
  for (const log of logs) {
    if (log.name !== metric) continue;
    const value = parseMetricNumber(log.value);
    if (value === undefined) continue;
    sum += value;
    if (++n === steps) break;
  }
  return n === 0 ? undefined : sum / n;
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
