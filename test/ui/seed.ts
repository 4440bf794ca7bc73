/**
 * A finished experiment written straight into the stores, as a controller would have left it:
 * `trials` trials of a made-up training job (learning rate, layers, dropout, optimizer), each with
 * `reports` points of loss and of accuracy in the observation log. Deterministic (seeded).
 */
import { setCondition } from '../../src/api/conditions.js';
import type { Experiment, ExperimentConditionType } from '../../src/api/experiment.js';
import type { MetricLog } from '../../src/api/observation.js';
import type { Trial, TrialConditionType } from '../../src/api/trial.js';
import { observationOf } from '../../src/collector/index.js';
import { summarizeTrials } from '../../src/controller/index.js';
import { parseExperiment } from '../../src/spec/index.js';
import type { Database } from '../../src/store/index.js';
import { knownAlgorithms } from '../../src/suggestion/index.js';

export interface SeedOptions {
  name: string;
  trials: number;
  /** Points per metric per trial (two metrics: loss and accuracy). */
  reports: number;
  /** When the first trial started, epoch ms; trials follow each other with `parallel` at a time. */
  start?: number;
  parallel?: number;
}

export function trainingExperiment(name: string, extra: Record<string, unknown> = {}): Experiment {
  return parseExperiment(
    {
      apiVersion: 'kubeflow.org/v1beta1',
      kind: 'Experiment',
      metadata: { name },
      spec: {
        objective: { type: 'minimize', objectiveMetricName: 'loss', additionalMetricNames: ['accuracy'] },
        algorithm: { algorithmName: 'tpe' },
        parallelTrialCount: 8,
        maxTrialCount: 1000,
        maxFailedTrialCount: 50,
        parameters: [
          {
            name: 'lr',
            parameterType: 'double',
            feasibleSpace: { min: '0.0001', max: '0.1', distribution: 'logUniform' },
          },
          { name: 'layers', parameterType: 'int', feasibleSpace: { min: '1', max: '8' } },
          { name: 'dropout', parameterType: 'double', feasibleSpace: { min: '0', max: '0.5' } },
          {
            name: 'optimizer',
            parameterType: 'categorical',
            feasibleSpace: { list: ['sgd', 'adam', 'rmsprop'] },
          },
        ],
        trialTemplate: {
          primaryContainerName: 'training',
          trialParameters: ['lr', 'layers', 'dropout', 'optimizer'].map((p) => ({ name: p, reference: p })),
          trialSpec: {
            apiVersion: 'batch/v1',
            kind: 'Job',
            spec: {
              template: {
                spec: {
                  containers: [
                    {
                      name: 'training',
                      image: 'python:3.12',
                      command: [
                        'python',
                        'train.py',
                        '--lr=${trialParameters.lr}',
                        '--layers=${trialParameters.layers}',
                        '--dropout=${trialParameters.dropout}',
                        '--optimizer=${trialParameters.optimizer}',
                      ],
                    },
                  ],
                  restartPolicy: 'Never',
                },
              },
            },
          },
        },
        ...extra,
      },
    },
    { knownAlgorithms: knownAlgorithms(), runner: 'local' },
  );
}

/** Writes the experiment, its trials and their logs; resolves with the trial names in order. */
export async function seedExperiment(db: Database, o: SeedOptions): Promise<string[]> {
  const random = mulberry32(o.trials * 7919 + o.reports);
  const experiment = trainingExperiment(o.name);
  const parallel = o.parallel ?? 8;
  const trialSeconds = 40;
  const start = o.start ?? Date.now() - Math.ceil(o.trials / parallel) * trialSeconds * 1000 - 60_000;
  const iso = (ms: number): string => new Date(ms).toISOString();
  experiment.metadata.creationTimestamp = iso(start - 1000);
  await db.experiments.createExperiment(experiment);
  const trials: Trial[] = [];
  let batch: { trialName: string; logs: MetricLog[] }[] = [];
  let batchSize = 0;
  for (let i = 0; i < o.trials; i++) {
    const lr = 10 ** (-4 + 3 * random());
    const layers = 1 + Math.floor(random() * 8);
    const dropout = Math.round(random() * 50) / 100;
    const optimizer = ['sgd', 'adam', 'rmsprop'][Math.floor(random() * 3)]!;
    const floor =
      0.08 +
      Math.abs(Math.log10(lr) + 2.5) * 0.12 +
      Math.abs(layers - 4) * 0.03 +
      Math.abs(dropout - 0.2) * 0.4 +
      (optimizer === 'adam' ? 0 : 0.08);
    const began = start + Math.floor(i / parallel) * trialSeconds * 1000 + random() * 3000;
    const roll = random();
    const state: TrialConditionType = roll < 0.03 ? 'Failed' : roll < 0.12 ? 'EarlyStopped' : 'Succeeded';
    const steps =
      state === 'Succeeded' ? o.reports : Math.max(1, Math.floor(o.reports * (0.2 + 0.4 * random())));
    const logs: MetricLog[] = [];
    let loss = 2.5;
    for (let s = 0; s < steps; s++) {
      loss = floor + (loss - floor) * 0.9 + (random() - 0.5) * 0.02;
      const time = Math.round((began + ((s + 1) * (trialSeconds - 5) * 1000) / o.reports) * 1000);
      logs.push({ time, name: 'loss', value: loss.toFixed(5) });
      logs.push({ time, name: 'accuracy', value: Math.max(0, Math.min(1, 1 - loss / 2.6)).toFixed(5) });
    }
    const name = `${o.name}-${String(i).padStart(4, '0')}`;
    const ended = began + (steps * (trialSeconds - 5) * 1000) / o.reports + 500;
    let conditions = setCondition<TrialConditionType>(
      [],
      { type: 'Created', reason: 'TrialCreated', message: 'Trial is created' },
      iso(began - 200),
    );
    conditions = setCondition(
      conditions,
      { type: 'Running', reason: 'TrialRunning', message: 'Trial is running' },
      iso(began),
      ['Succeeded'],
    );
    conditions = setCondition(conditions, endOf(state), iso(ended), ['Running']);
    const trial: Trial = {
      name,
      experimentName: o.name,
      parameterAssignments: [
        { name: 'lr', value: lr.toPrecision(4) },
        { name: 'layers', value: String(layers) },
        { name: 'dropout', value: String(dropout) },
        { name: 'optimizer', value: optimizer },
      ],
      labels: { 'katib.kubeflow.org/experiment': o.name },
      conditions,
      startTime: iso(began),
      completionTime: iso(ended),
      observation: { metrics: observationOf(logs, ['loss', 'accuracy']) },
      runtime: { attempt: 1, pid: 10_000 + i },
    };
    await db.experiments.createTrial(trial);
    trials.push(trial);
    batch.push({ trialName: name, logs });
    batchSize += logs.length;
    if (batchSize >= 20_000) {
      await db.observations.reportMany(batch);
      batch = [];
      batchSize = 0;
    }
  }
  if (batch.length > 0) await db.observations.reportMany(batch);
  const summary = summarizeTrials(experiment.spec, trials);
  const last = Math.max(...trials.map((t) => Date.parse(t.completionTime!)));
  let conditions = setCondition<ExperimentConditionType>(
    [],
    { type: 'Created', reason: 'ExperimentCreated', message: 'Experiment is created' },
    iso(start - 1000),
  );
  conditions = setCondition(
    conditions,
    { type: 'Running', reason: 'ExperimentRunning', message: 'Experiment is running' },
    iso(start),
    [],
  );
  conditions = setCondition(
    conditions,
    {
      type: 'Succeeded',
      reason: 'ExperimentMaxTrialsReached',
      message: 'Experiment has succeeded because max trial count has reached',
    },
    iso(last),
    ['Running'],
  );
  await db.experiments.updateExperimentStatus(o.name, {
    ...summary.counts,
    conditions,
    startTime: iso(start),
    completionTime: iso(last),
    lastReconcileTime: iso(last),
    ...(summary.optimal ? { currentOptimalTrial: summary.optimal } : {}),
  });
  return trials.map((t) => t.name);
}

function endOf(state: TrialConditionType): { type: TrialConditionType; reason: string; message: string } {
  if (state === 'Failed')
    return { type: 'Failed', reason: 'TrialFailed', message: 'Trial exited with code 1' };
  if (state === 'EarlyStopped')
    return { type: 'EarlyStopped', reason: 'TrialEarlyStopped', message: 'Trial is early stopped' };
  return { type: 'Succeeded', reason: 'TrialSucceeded', message: 'Trial has succeeded' };
}

/** A small seeded PRNG (uniform in [0, 1)). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
