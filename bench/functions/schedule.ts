/**
 * The "schedule" problem for PBT: a toy training run (Katib's simple-pbt trial, after Ray's
 * pbt_example) whose best learning rate changes as training goes on. Accuracy a starts at 0; the
 * lr that makes progress best is a triangle over a (0.001 at a = 0, 0.01 at a = 50, 0.001 again
 * at a = 100). A step with lr within a factor 3 of that optimum gains (1/q) * U(0,1); an lr too
 * large by more than that loses (q - 3) * U(0,1); every step adds small Gaussian noise. No
 * constant lr reaches 100: a schedule does.
 *
 * Both searches get the same total training steps:
 * - pbt: n_population trials per generation, each training SEGMENT steps from its parent's
 *   checkpoint (its saved accuracy), GENERATIONS generations;
 * - random: n_population trials, each training SEGMENT * GENERATIONS steps from scratch with one
 *   lr (Katib's random search over the same space).
 * Regret: 1 - best final accuracy / 100.
 */
import type { Experiment, Setting } from '../../src/api/experiment.js';
import type { Trial } from '../../src/api/trial.js';
import { getSuggester, Rng, seedFor } from '../../src/suggestion/index.js';
import { PARENT_LABEL } from '../../src/suggestion/pbt/index.js';

export const POPULATION = 8;
export const GENERATIONS = 16;
export const SEGMENT = 10;
/** Total training steps each search gets. */
export const TOTAL_STEPS = POPULATION * GENERATIONS * SEGMENT;

const LR = {
  name: 'lr',
  parameterType: 'double' as const,
  feasibleSpace: { min: '0.0001', max: '0.02', step: '0.0001' },
};

function optimalLr(a: number): number {
  const raw = a < 50 ? (0.01 * a) / 50 : 0.01 - (0.01 * (a - 50)) / 50;
  return Math.min(0.01, Math.max(0.001, raw));
}

/** Trains `steps` steps from accuracy `a` with a constant lr; `rng` draws the noise. */
export function train(a0: number, lr: number, steps: number, rng: Rng): number {
  let a = a0;
  for (let i = 0; i < steps; i++) {
    const opt = optimalLr(a);
    const q = Math.max(lr, opt) / (Math.min(lr, opt) + Number.EPSILON);
    if (q < 3) a += (1 / q) * rng.float();
    else if (lr > opt) a -= (q - 3) * rng.float();
    a += 0.5 * rng.normal();
    a = Math.max(0, Math.min(100, a));
  }
  return a;
}

function experiment(algorithm: string, settings: Setting[]): Experiment {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name: 'schedule' },
    spec: {
      parameters: [LR],
      objective: {
        type: 'maximize',
        objectiveMetricName: 'accuracy',
        additionalMetricNames: [],
        metricStrategies: [{ name: 'accuracy', value: 'latest' }],
      },
      algorithm: { algorithmName: algorithm, algorithmSettings: settings },
      parallelTrialCount: POPULATION,
      trialTemplate: { trialParameters: [], trialSpec: {} },
      metricsCollectorSpec: { collector: { kind: 'Push' } },
      resumePolicy: 'Never',
    },
  };
}

function finished(
  index: number,
  assignments: Setting[],
  labels: Record<string, string>,
  accuracy: number,
): Trial {
  const time = new Date(Date.UTC(2024, 0, 1, 0, 0, index)).toISOString();
  const text = String(accuracy);
  return {
    name: `schedule-${index}`,
    experimentName: 'schedule',
    parameterAssignments: assignments,
    labels,
    conditions: [
      {
        type: 'Created',
        status: 'True',
        reason: 'TrialCreated',
        message: '',
        lastUpdateTime: time,
        lastTransitionTime: time,
      },
      {
        type: 'Succeeded',
        status: 'True',
        reason: 'TrialSucceeded',
        message: '',
        lastUpdateTime: time,
        lastTransitionTime: time,
      },
    ],
    startTime: time,
    completionTime: time,
    observation: { metrics: [{ name: 'accuracy', min: text, max: text, latest: text }] },
  };
}

/** Runs one search to TOTAL_STEPS; returns its regret. Asks for a whole generation at a time. */
export function scheduleRegret(algorithm: 'pbt' | 'random', seed: number): number {
  const settings: Setting[] = [{ name: 'random_state', value: String(seed) }];
  if (algorithm === 'pbt') {
    settings.push(
      { name: 'suggestion_trial_dir', value: '/tmp/schedule' },
      { name: 'n_population', value: String(POPULATION) },
      { name: 'truncation_threshold', value: '0.25' },
    );
  }
  const spec = experiment(algorithm, settings);
  const suggester = getSuggester(algorithm);
  const noise = new Rng(
    seedFor({ algorithm: 'schedule-noise', randomState: String(seed), historyLength: 0 }),
  );
  const steps = algorithm === 'pbt' ? SEGMENT : SEGMENT * GENERATIONS;
  const trials: Trial[] = [];
  const checkpoints = new Map<string, number>();
  let used = 0;
  let best = 0;
  while (used + POPULATION * steps <= TOTAL_STEPS) {
    const batch = suggester.suggest({ experiment: spec, trials, count: POPULATION });
    if (batch.length === 0) break;
    for (const s of batch) {
      const parent = s.labels?.[PARENT_LABEL];
      const start = parent === undefined ? 0 : (checkpoints.get(parent) ?? 0);
      const accuracy = train(start, Number(s.assignments[0]!.value), steps, noise);
      const trial = finished(trials.length, s.assignments, s.labels ?? {}, accuracy);
      checkpoints.set(trial.name, accuracy);
      trials.push(trial);
      used += steps;
      best = Math.max(best, accuracy);
    }
  }
  return 1 - best / 100;
}
