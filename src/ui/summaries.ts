/**
 * Pure conversions from stored Experiments and Trials to what the dashboard shows: one row per
 * experiment, one compact summary per trial (so a thousand trials fit one response).
 */
import { stringify } from 'yaml';
import { currentCondition } from '../api/conditions.js';
import type { Experiment, ExperimentSpec } from '../api/experiment.js';
import { parseMetricNumber } from '../api/metric-value.js';
import type { MetricLog } from '../api/observation.js';
import type { Trial } from '../api/trial.js';
import { comparedValue, strategyFor } from '../collector/index.js';
import type { ExperimentSummary, MetricSeries, ParameterInfo, TrialSummary } from './wire.js';

export function experimentSummary(experiment: Experiment): ExperimentSummary {
  const { spec, status } = experiment;
  const current = currentCondition(status?.conditions ?? []);
  const objective = spec.objective;
  const optimal = status?.currentOptimalTrial;
  const bestValue = optimal
    ? comparedValue(optimal.observation.metrics, objective.objectiveMetricName, objective)
    : undefined;
  const created = experiment.metadata.creationTimestamp ?? status?.startTime;
  return {
    name: experiment.metadata.name,
    state: current?.type ?? 'Created',
    reason: current?.reason ?? '',
    message: current?.message ?? '',
    algorithm: spec.algorithm.algorithmName,
    objective: {
      type: objective.type,
      metric: objective.objectiveMetricName,
      strategy: strategyFor(objective, objective.objectiveMetricName),
      ...(objective.goal !== undefined ? { goal: objective.goal } : {}),
    },
    trials: status?.trials ?? 0,
    succeeded: status?.trialsSucceeded ?? 0,
    running: status?.trialsRunning ?? 0,
    pending: status?.trialsPending ?? 0,
    failed: (status?.trialsFailed ?? 0) + (status?.trialMetricsUnavailable ?? 0),
    earlyStopped: status?.trialsEarlyStopped ?? 0,
    killed: status?.trialsKilled ?? 0,
    ...(spec.maxTrialCount !== undefined ? { maxTrialCount: spec.maxTrialCount } : {}),
    parallelTrialCount: spec.parallelTrialCount,
    ...(optimal ? { bestTrial: optimal.bestTrialName } : {}),
    ...(bestValue !== undefined && Number.isFinite(bestValue) ? { bestValue } : {}),
    ...(created ? { created } : {}),
    ...(status?.completionTime ? { completed: status.completionTime } : {}),
  };
}

export function trialSummary(trial: Trial, spec: ExperimentSpec): TrialSummary {
  const current = currentCondition(trial.conditions);
  const byName = new Map(trial.parameterAssignments.map((a) => [a.name, a.value]));
  const observed = trial.observation?.metrics ?? [];
  const metrics: Record<string, string> = {};
  for (const m of observed) metrics[m.name] = m[strategyFor(spec.objective, m.name)];
  const value = comparedValue(observed, spec.objective.objectiveMetricName, spec.objective);
  const created = trial.conditions.find((c) => c.type === 'Created')?.lastTransitionTime;
  return {
    name: trial.name,
    state: current?.type ?? 'Created',
    reason: current?.reason ?? '',
    params: spec.parameters.map((p) => byName.get(p.name) ?? ''),
    objective: value !== undefined && Number.isFinite(value) ? value : null,
    metrics,
    ...(created ? { created } : {}),
    ...(trial.startTime ? { started: trial.startTime } : {}),
    ...(trial.completionTime ? { completed: trial.completionTime } : {}),
  };
}

export function parameterInfo(spec: ExperimentSpec): ParameterInfo[] {
  return spec.parameters.map((p) => ({
    name: p.name,
    type: p.parameterType,
    ...(p.feasibleSpace.min !== undefined ? { min: p.feasibleSpace.min } : {}),
    ...(p.feasibleSpace.max !== undefined ? { max: p.feasibleSpace.max } : {}),
    ...(p.feasibleSpace.list !== undefined ? { list: [...p.feasibleSpace.list] } : {}),
    ...(p.feasibleSpace.distribution !== undefined ? { distribution: p.feasibleSpace.distribution } : {}),
  }));
}

/** The experiment as the YAML a user would write (apiVersion, kind, metadata, spec; no status). */
export function specYaml(experiment: Experiment): string {
  const { apiVersion, kind, metadata, spec } = experiment;
  return stringify({ apiVersion, kind, metadata, spec }, { lineWidth: 0 });
}

/**
 * A number for charts: the value Katib stores is a string; anything that is not a finite
 * decimal number (`unavailable`, `NaN`, text) is null.
 */
export function chartNumber(value: string): number | null {
  const n = parseMetricNumber(value);
  return n !== undefined && Number.isFinite(n) ? n : null;
}

/** Observation logs (time-ordered) split into one column pair per metric. */
export function seriesOf(logs: readonly MetricLog[]): Record<string, MetricSeries> {
  const out: Record<string, MetricSeries> = {};
  for (const log of logs) {
    let s = out[log.name];
    if (!s) {
      s = { t: [], v: [] };
      out[log.name] = s;
    }
    s.t.push(log.time / 1000);
    s.v.push(chartNumber(log.value));
  }
  return out;
}
