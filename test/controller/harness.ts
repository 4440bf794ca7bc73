/**
 * Controller test helpers: small Katib Experiments built in code (each trial a real local process),
 * run through the embedded composition (startLocalKatib) on a real database, and a check that an
 * ended experiment's record agrees with its trials.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import type { Experiment } from '../../src/api/experiment.js';
import type { Trial } from '../../src/api/trial.js';
import { trialState } from '../../src/controller/index.js';
import type { ControllerSettings, LocalKatib } from '../../src/manager/index.js';
import { parseExperiment } from '../../src/spec/index.js';
import { knownAlgorithms } from '../../src/suggestion/index.js';
import { isAlive } from '../runner/process-helpers.js';

export interface ExperimentOptions {
  /** The container's command; it must use `${trialParameters.<p>}` for every parameter p. */
  command: string[];
  /** Katib parameters; each gets a trial parameter of the same name. Default: x in [0.1, 0.2, 0.3]. */
  parameters?: Record<string, unknown>[];
  objective?: Record<string, unknown>;
  algorithm?: string;
  algorithmSettings?: { name: string; value: string }[];
  parallelTrialCount?: number;
  maxTrialCount?: number;
  maxFailedTrialCount?: number;
  metricsCollectorSpec?: Record<string, unknown>;
  activeDeadlineSeconds?: number;
  env?: { name: string; value: string }[];
}

export const X_LIST = {
  name: 'x',
  parameterType: 'discrete',
  feasibleSpace: { list: ['0.1', '0.2', '0.3'] },
};

/** A Katib v1beta1 Experiment document (as a user writes it), parsed with the local runner's rules. */
export function experiment(name: string, o: ExperimentOptions): Experiment {
  const parameters = o.parameters ?? [X_LIST];
  const container: Record<string, unknown> = { name: 'training', image: 'busybox', command: o.command };
  if (o.env) container.env = o.env;
  const jobSpec: Record<string, unknown> = {
    template: { spec: { containers: [container], restartPolicy: 'Never' } },
  };
  if (o.activeDeadlineSeconds !== undefined) jobSpec.activeDeadlineSeconds = o.activeDeadlineSeconds;
  const spec: Record<string, unknown> = {
    objective: o.objective ?? { type: 'minimize', objectiveMetricName: 'loss' },
    algorithm: { algorithmName: o.algorithm ?? 'grid', algorithmSettings: o.algorithmSettings ?? [] },
    parameters,
    trialTemplate: {
      primaryContainerName: 'training',
      trialParameters: parameters.map((p) => ({ name: p.name, reference: p.name })),
      trialSpec: { apiVersion: 'batch/v1', kind: 'Job', spec: jobSpec },
    },
  };
  if (o.parallelTrialCount !== undefined) spec.parallelTrialCount = o.parallelTrialCount;
  if (o.maxTrialCount !== undefined) spec.maxTrialCount = o.maxTrialCount;
  if (o.maxFailedTrialCount !== undefined) spec.maxFailedTrialCount = o.maxFailedTrialCount;
  if (o.metricsCollectorSpec !== undefined) spec.metricsCollectorSpec = o.metricsCollectorSpec;
  return parseExperiment(
    { apiVersion: 'kubeflow.org/v1beta1', kind: 'Experiment', metadata: { name }, spec },
    { knownAlgorithms: knownAlgorithms(), runner: 'local' },
  );
}

/** A trial command through `sh -c` (cheap to start: the tests start hundreds of trials). */
export function sh(script: string): string[] {
  return ['sh', '-c', script];
}

export interface Finished {
  final: Experiment;
  trials: Trial[];
}

/** Stores `e`, runs it to its end with a fresh controller, returns the final state and the stored trials. */
export async function runToEnd(
  katib: LocalKatib,
  e: Experiment,
  settings: ControllerSettings = {},
  signal?: AbortSignal,
): Promise<Finished> {
  await katib.experiments.createExperiment(e);
  const final = await katib.controller(settings).run(e.metadata.name, signal);
  const trials = await katib.experiments.listTrials(e.metadata.name);
  return { final, trials };
}

/** The newest True condition of an experiment: `{type, reason}`. */
export function endOf(e: Experiment): { type: string; reason: string } {
  const c = e.status?.conditions.filter((x) => x.status === 'True').at(-1);
  return { type: c?.type ?? 'none', reason: c?.reason ?? 'none' };
}

/** `{type, reason, message}` of a trial's current condition. */
export function conditionOf(t: Trial): { type: string; reason: string; message: string } {
  const c = t.conditions.filter((x) => x.status === 'True').at(-1);
  return { type: c?.type ?? 'none', reason: c?.reason ?? 'none', message: c?.message ?? '' };
}

export function assignment(t: Trial, name: string): string | undefined {
  return t.parameterAssignments.find((a) => a.name === name)?.value;
}

export function metric(t: Trial, name: string): { min: string; max: string; latest: string } | undefined {
  const m = t.observation?.metrics.find((x) => x.name === name);
  return m ? { min: m.min, max: m.max, latest: m.latest } : undefined;
}

/**
 * An ended experiment's record agrees with its trials: the stored experiment equals what run()
 * returned, status counts equal a recount, nothing is left Created or Running, every trial ended
 * with a completion time, trial names are unique.
 */
export async function assertConsistent(katib: LocalKatib, f: Finished): Promise<void> {
  const { final, trials } = f;
  const stored = await katib.experiments.getExperiment(final.metadata.name);
  assert.deepEqual(stored, final, 'the stored experiment is the one run() returned');
  const s = final.status!;
  const count = (state: string) => trials.filter((t) => trialState(t) === state).length;
  assert.deepEqual(
    {
      trials: s.trials,
      trialsSucceeded: s.trialsSucceeded,
      trialsFailed: s.trialsFailed,
      trialsKilled: s.trialsKilled,
      trialsRunning: s.trialsRunning,
      trialsPending: s.trialsPending,
      trialsEarlyStopped: s.trialsEarlyStopped,
      trialMetricsUnavailable: s.trialMetricsUnavailable,
    },
    {
      trials: trials.length,
      trialsSucceeded: count('Succeeded'),
      trialsFailed: count('Failed'),
      trialsKilled: count('Killed'),
      trialsRunning: 0,
      trialsPending: 0,
      trialsEarlyStopped: count('EarlyStopped'),
      trialMetricsUnavailable: count('MetricsUnavailable'),
    },
  );
  assert.ok(s.completionTime, 'an ended experiment has a completionTime');
  for (const t of trials) assert.ok(t.completionTime, `${t.name} has a completionTime`);
  assert.equal(new Set(trials.map((t) => t.name)).size, trials.length, 'trial names are unique');
}

// Whether a process is alive (zombies count as gone): the runner tests' helper.
export { isAlive };

/** Live processes whose environment says they belong to trial `trialName` (from /proc). */
export function trialProcesses(trialName: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (environ.split('\0').includes(`KATIB_TRIAL_NAME=${trialName}`) && isAlive(Number(entry)))
        pids.push(Number(entry));
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return pids;
}

/** `${trialParameters.NAME}`, the placeholder a trial's command uses. */
export const P = (name: string): string => `\${trialParameters.${name}}`;
