import type { Experiment } from '../api/experiment.js';
import type { Trial } from '../api/trial.js';
import { comparedValue } from '../collector/index.js';
import { type ControllerEvent, trialState } from '../controller/index.js';

type TrialEnded = Extract<ControllerEvent, { type: 'trial-ended' }>;

/** One progress line per finished trial: done/total, what ended and how, running/failed, best so far. */
export function progressLine(
  event: TrialEnded,
  experiment: Experiment,
  maxTrials: number | undefined,
): string {
  const { trial, outcome, summary } = event;
  const objective = experiment.spec.objective;
  const value = comparedValue(outcome.observation, objective.objectiveMetricName, objective);
  const done = `${summary.completed}/${maxTrials ?? '-'}`;
  const result =
    value === undefined
      ? outcome.condition
      : `${outcome.condition} ${objective.objectiveMetricName}=${value}`;
  const best =
    summary.bestValue === undefined ? 'none yet' : `${summary.bestValue} (${summary.optimal?.bestTrialName})`;
  const why =
    outcome.condition === 'Succeeded' ? '' : ` [${outcome.reason}: ${outcome.message.slice(0, 120)}]`;
  return `[${done}] ${trial.name} ${result}${why} | running ${summary.active} failed ${summary.failed} | best ${best}`;
}

/** The closing report: the experiment's condition, a table of trials, and the best assignment. */
export function finalReport(experiment: Experiment, trials: readonly Trial[]): string {
  const objective = experiment.spec.objective;
  const status = experiment.status;
  const last = status?.conditions.filter((c) => c.status === 'True').at(-1);
  const paramNames = experiment.spec.parameters.map((p) => p.name);
  const header = ['TRIAL', 'STATUS', objective.objectiveMetricName, ...paramNames];
  const rows = trials.map((t) => {
    const value = comparedValue(t.observation?.metrics ?? [], objective.objectiveMetricName, objective);
    const byName = new Map(t.parameterAssignments.map((a) => [a.name, a.value]));
    return [
      t.name,
      trialState(t),
      value === undefined ? '-' : String(value),
      ...paramNames.map((n) => byName.get(n) ?? '-'),
    ];
  });
  const lines = [
    `Experiment ${experiment.metadata.name}: ${last ? `${last.type} (${last.reason}) ${last.message}` : 'no condition'}`,
    `Trials: ${status?.trials ?? 0} total, ${status?.trialsSucceeded ?? 0} succeeded, ${status?.trialsFailed ?? 0} failed, ` +
      `${status?.trialMetricsUnavailable ?? 0} metrics unavailable, ${status?.trialsEarlyStopped ?? 0} early stopped, ` +
      `${status?.trialsKilled ?? 0} killed`,
    '',
    ...table([header, ...rows]),
    '',
  ];
  const best = status?.currentOptimalTrial;
  if (best) {
    const metrics = best.observation.metrics.map(
      (m) => `${m.name}: min ${m.min}, max ${m.max}, latest ${m.latest}`,
    );
    lines.push(
      `Best trial: ${best.bestTrialName}`,
      ...best.parameterAssignments.map((a) => `  ${a.name} = ${a.value}`),
      ...metrics.map((m) => `  ${m}`),
    );
  } else {
    lines.push('Best trial: none (no trial reported the objective metric)');
  }
  return `${lines.join('\n')}\n`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}
