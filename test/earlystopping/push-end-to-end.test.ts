// medianstop on a Push experiment, end to end: real trial processes push over gRPC to the
// embedded DB manager; the controller sees their metrics through the DB manager's report
// listener and stops the bad ones (Katib's early stopping never stops Push trials).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { currentCondition } from '../../src/api/conditions.js';
import { UNAVAILABLE_VALUE } from '../../src/api/observation.js';
import { type LocalKatib, startLocalKatib } from '../../src/manager/index.js';
import { parseExperiment } from '../../src/spec/index.js';

const fixture = fileURLToPath(new URL('../fixtures/trials/push-curve.mjs', import.meta.url));

describe('medianstop on Push trials', () => {
  let dir: string;
  let katib: LocalKatib;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'katib-es-'));
    katib = await startLocalKatib({
      db: `sqlite:${path.join(dir, 'katib.db')}`,
      workRoot: path.join(dir, 'trials'),
    });
  });
  after(async () => {
    await katib.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stops trials below the rule, keeps their pushed metrics, and lets good ones finish', async () => {
    // Grid order is the list order: two good trials finish first (parallel 1), so every later
    // trial starts with the rule in force.
    const experiment = parseExperiment(
      {
        apiVersion: 'kubeflow.org/v1beta1',
        kind: 'Experiment',
        metadata: { name: 'es-push' },
        spec: {
          objective: { type: 'maximize', objectiveMetricName: 'accuracy' },
          algorithm: { algorithmName: 'grid' },
          earlyStopping: {
            algorithmName: 'medianstop',
            algorithmSettings: [
              { name: 'min_trials_required', value: '2' },
              { name: 'start_step', value: '3' },
            ],
          },
          parallelTrialCount: 1,
          maxTrialCount: 4,
          parameters: [
            { name: 'q', parameterType: 'discrete', feasibleSpace: { list: ['0.9', '0.8', '0.2', '0.95'] } },
          ],
          metricsCollectorSpec: { collector: { kind: 'Push' } },
          trialTemplate: {
            primaryContainerName: 't',
            trialParameters: [{ name: 'q', reference: 'q' }],
            trialSpec: {
              apiVersion: 'batch/v1',
              kind: 'Job',
              spec: {
                template: {
                  spec: {
                    containers: [
                      { name: 't', image: 'node', command: ['node', fixture, '${trialParameters.q}'] },
                    ],
                  },
                },
              },
            },
          },
        },
      },
      { runner: 'local' },
    );
    await katib.experiments.createExperiment(experiment);
    const final = await katib.controller().run('es-push');
    const trials = await katib.experiments.listTrials('es-push');
    const byQ = new Map(trials.map((t) => [t.parameterAssignments[0]!.value, t]));
    const state = (q: string) => currentCondition(byQ.get(q)!.conditions)?.type;
    assert.equal(state('0.9'), 'Succeeded');
    assert.equal(state('0.8'), 'Succeeded');
    assert.equal(state('0.95'), 'Succeeded');
    assert.equal(state('0.2'), 'EarlyStopped');
    assert.equal(final.status?.trialsEarlyStopped, 1);

    // The stopped trial's pushes are kept, and it was cut short of its 12 reports.
    const stopped = await katib.db.observations.get(byQ.get('0.2')!.name);
    assert.ok(stopped.length >= 3 && stopped.length < 12, `stopped trial kept ${stopped.length} points`);
    assert.ok(stopped.every((log) => log.value !== UNAVAILABLE_VALUE));
    assert.equal(final.status?.currentOptimalTrial?.bestTrialName, byQ.get('0.95')!.name);
  });
});
