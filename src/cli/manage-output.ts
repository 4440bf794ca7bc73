import { currentCondition } from '../api/conditions.js';
import type { Experiment } from '../api/experiment.js';
import type { Trial } from '../api/trial.js';
import { comparedValue } from '../collector/index.js';

/** `katib get experiments`: one line per experiment. */
export function experimentsTable(experiments: readonly Experiment[]): string {
  if (experiments.length === 0) return 'No experiments.\n';
  const rows = experiments.map((e) => {
    const s = e.status;
    const state = currentCondition(s?.conditions ?? []);
    const best = s?.currentOptimalTrial;
    const objective = e.spec.objective;
    const value = best
      ? comparedValue(best.observation.metrics, objective.objectiveMetricName, objective)
      : undefined;
    return [
      e.metadata.name,
      state?.type ?? 'Created',
      state?.reason ?? '',
      `${(s?.trialsSucceeded ?? 0) + (s?.trialsFailed ?? 0) + (s?.trialMetricsUnavailable ?? 0) + (s?.trialsEarlyStopped ?? 0) + (s?.trialsKilled ?? 0)}/${e.spec.maxTrialCount ?? '-'}`,
      String(s?.trialsRunning ?? 0),
      value === undefined ? '-' : `${objective.objectiveMetricName}=${value}`,
      e.metadata.creationTimestamp ?? '',
    ];
  });
  return table([['NAME', 'STATUS', 'REASON', 'DONE', 'RUNNING', 'BEST', 'CREATED'], ...rows]);
}

/** `katib get trials NAME`: one line per trial with its objective value and assignments. */
export function trialsTable(experiment: Experiment, trials: readonly Trial[]): string {
  if (trials.length === 0) return `Experiment ${experiment.metadata.name} has no trials yet.\n`;
  const objective = experiment.spec.objective;
  const names = experiment.spec.parameters.map((p) => p.name);
  const rows = trials.map((t) => {
    const value = comparedValue(t.observation?.metrics ?? [], objective.objectiveMetricName, objective);
    const byName = new Map(t.parameterAssignments.map((a) => [a.name, a.value]));
    return [
      t.name,
      currentCondition(t.conditions)?.type ?? 'Created',
      value === undefined ? '-' : String(value),
      ...names.map((n) => byName.get(n) ?? '-'),
    ];
  });
  return table([['TRIAL', 'STATUS', objective.objectiveMetricName, ...names], ...rows]);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return `${rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
