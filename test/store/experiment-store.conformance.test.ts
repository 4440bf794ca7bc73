import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import type { Experiment } from '../../src/api/experiment.js';
import type { Trial, TrialConditionType } from '../../src/api/trial.js';
import { type Database, openDatabase } from '../../src/store/index.js';
import { testDatabases } from '../support/databases.js';

// The ExperimentStore contract (src/store/experiment-store.ts), the same tests on every dialect.

function experiment(name: string): Experiment {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name },
    spec: {
      parameters: [{ name: 'lr', parameterType: 'double', feasibleSpace: { min: '0.01', max: '0.1' } }],
      objective: {
        type: 'maximize',
        objectiveMetricName: 'acc',
        additionalMetricNames: [],
        metricStrategies: [{ name: 'acc', value: 'max' }],
      },
      algorithm: { algorithmName: 'random', algorithmSettings: [] },
      parallelTrialCount: 2,
      maxTrialCount: 4,
      trialTemplate: { trialParameters: [], trialSpec: { kind: 'Job', note: 'ünïcødé ✓' } },
      metricsCollectorSpec: { collector: { kind: 'Push' } },
      resumePolicy: 'Never',
    },
  };
}

function trial(experimentName: string, name: string, state: TrialConditionType = 'Created'): Trial {
  const now = '2026-01-01T00:00:00.000Z';
  return {
    name,
    experimentName,
    parameterAssignments: [{ name: 'lr', value: '0.05' }],
    labels: { 'katib.kubeflow.org/experiment': experimentName },
    conditions: [
      {
        type: state,
        status: 'True',
        reason: state,
        message: '',
        lastUpdateTime: now,
        lastTransitionTime: now,
      },
    ],
  };
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof KatibError && err.code === code);
}

for (const target of await testDatabases()) {
  describe(`ExperimentStore conformance: ${target.label}`, { skip: target.skipReason }, () => {
    if (target.skipReason !== undefined) return;
    let db: Database;
    before(async () => {
      db = await openDatabase(target.url, { connectTimeoutSeconds: 10 });
    });
    after(async () => {
      await db?.close();
    });

    it('creates, reads back exactly, lists and refuses a second experiment of the same name', async () => {
      const e = experiment('exp-a');
      await db.experiments.createExperiment(e);
      assert.deepEqual(await db.experiments.getExperiment('exp-a'), e);
      assert.ok((await db.experiments.listExperiments()).some((x) => x.metadata.name === 'exp-a'));
      await rejectsWith(
        db.experiments.createExperiment({ ...e, spec: { ...e.spec, parallelTrialCount: 9 } }),
        'already_exists',
      );
      assert.equal((await db.experiments.getExperiment('exp-a'))?.spec.parallelTrialCount, 2);
      assert.equal(await db.experiments.getExperiment('no-such'), undefined);
    });

    it('updates status and spec; unknown names are not_found', async () => {
      await db.experiments.createExperiment(experiment('exp-b'));
      const status = {
        conditions: [],
        trials: 3,
        trialsSucceeded: 1,
        trialsFailed: 1,
        trialsKilled: 0,
        trialsRunning: 1,
        trialsPending: 0,
        trialsEarlyStopped: 0,
        trialMetricsUnavailable: 0,
      };
      await db.experiments.updateExperimentStatus('exp-b', status);
      const spec = { ...experiment('exp-b').spec, maxTrialCount: 10 };
      await db.experiments.updateExperimentSpec('exp-b', spec);
      const got = await db.experiments.getExperiment('exp-b');
      assert.deepEqual(got?.status, status);
      assert.equal(got?.spec.maxTrialCount, 10);
      await rejectsWith(db.experiments.updateExperimentStatus('no-such', status), 'not_found');
      await rejectsWith(db.experiments.updateExperimentSpec('no-such', spec), 'not_found');
    });

    it('keeps trials in creation order, per experiment, and refuses duplicate names', async () => {
      await db.experiments.createExperiment(experiment('exp-c'));
      const names = ['exp-c-z', 'exp-c-a', 'exp-c-m'];
      for (const n of names) await db.experiments.createTrial(trial('exp-c', n));
      await db.experiments.createTrial(trial('exp-a', 'exp-a-1'));
      assert.deepEqual(
        (await db.experiments.listTrials('exp-c')).map((t) => t.name),
        names,
      );
      assert.deepEqual(await db.experiments.getTrial('exp-c-a'), trial('exp-c', 'exp-c-a'));
      await rejectsWith(db.experiments.createTrial(trial('exp-c', 'exp-c-a', 'Running')), 'already_exists');
      assert.equal((await db.experiments.getTrial('exp-c-a'))?.conditions[0]?.type, 'Created');
      assert.deepEqual(await db.experiments.listTrials('no-such'), []);
    });

    it('updates a running trial, and never a finished one', async () => {
      await db.experiments.createExperiment(experiment('exp-d'));
      await db.experiments.createTrial(trial('exp-d', 'exp-d-1'));
      await db.experiments.updateTrial(trial('exp-d', 'exp-d-1', 'Running'));
      await db.experiments.updateTrial(trial('exp-d', 'exp-d-1', 'Running')); // same content: fine
      const done = {
        ...trial('exp-d', 'exp-d-1', 'Succeeded'),
        observation: { metrics: [{ name: 'acc', min: '0.1', max: '0.9', latest: '0.9' }] },
      };
      await db.experiments.updateTrial(done);
      for (const state of ['Running', 'Failed', 'Succeeded'] as const) {
        await rejectsWith(
          db.experiments.updateTrial(trial('exp-d', 'exp-d-1', state)),
          'failed_precondition',
        );
      }
      assert.deepEqual(await db.experiments.getTrial('exp-d-1'), done);
      await rejectsWith(db.experiments.updateTrial(trial('exp-d', 'no-such')), 'not_found');
    });

    it('returns copies: changing a returned object changes nothing stored', async () => {
      const got = await db.experiments.getExperiment('exp-a');
      got!.spec.maxTrialCount = 99;
      assert.equal((await db.experiments.getExperiment('exp-a'))?.spec.maxTrialCount, 4);
    });

    it('deletes an experiment with its trials; a second delete is not_found', async () => {
      await db.experiments.createExperiment(experiment('exp-e'));
      await db.experiments.createTrial(trial('exp-e', 'exp-e-1'));
      await db.experiments.deleteExperiment('exp-e');
      assert.equal(await db.experiments.getExperiment('exp-e'), undefined);
      assert.equal(await db.experiments.getTrial('exp-e-1'), undefined);
      await rejectsWith(db.experiments.deleteExperiment('exp-e'), 'not_found');
    });

    it('takes many concurrent trial writes without losing one', async () => {
      await db.experiments.createExperiment(experiment('exp-f'));
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => db.experiments.createTrial(trial('exp-f', `exp-f-${i}`))),
      );
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          db.experiments.updateTrial(trial('exp-f', `exp-f-${i}`, 'Running')),
        ),
      );
      const all = await db.experiments.listTrials('exp-f');
      assert.equal(all.length, 40);
      assert.ok(all.every((t) => t.conditions[0]?.type === 'Running'));
    });
  });
}
