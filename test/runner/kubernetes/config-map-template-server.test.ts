/**
 * `katib server --runner kubernetes` with trialTemplate.configMap: the ExperimentManager reads the
 * ConfigMap from the cluster (the stand-in API server) when the Experiment is created, and its
 * trials run from that template; a missing ConfigMap is refused at create, naming the field.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { Experiment } from '../../../src/api/experiment.js';
import { isFinished } from '../../../src/controller/index.js';
import { type ExperimentManager, type Katib, openKatib } from '../../../src/manager/index.js';
import { KubernetesTrialRunner } from '../../../src/runner/kubernetes/index.js';
import { CONFIG_MAPS, FakeKubeApiServer } from '../../support/fake-kube-apiserver.js';
import { until } from '../../support/fixtures.js';

const server = new FakeKubeApiServer();
let katib: Katib;
let manager: ExperimentManager;

before(async () => {
  await server.start();
  const dir = mkdtempSync(join(tmpdir(), 'katib-k8s-cm-'));
  const runner = new KubernetesTrialRunner({
    kubeConfig: server.kubeConfig('team'),
    retryMs: 20,
    onWarning: () => {},
  });
  katib = await openKatib({
    db: `sqlite:${join(dir, 'katib.db')}`,
    workRoot: join(dir, 'work'),
    runner,
    lease: { program: 'test' },
  });
  manager = katib.manager;
});
after(async () => {
  await manager.close();
  await katib.close();
  await server.close();
});

const experiment = (name: string) => ({
  apiVersion: 'kubeflow.org/v1beta1',
  kind: 'Experiment',
  metadata: { name },
  spec: {
    objective: { type: 'minimize', objectiveMetricName: 'loss' },
    algorithm: { algorithmName: 'grid' },
    maxTrialCount: 2,
    parameters: [{ name: 'x', parameterType: 'discrete', feasibleSpace: { list: ['0.1', '0.2'] } }],
    trialTemplate: {
      primaryContainerName: 'training',
      trialParameters: [{ name: 'x', reference: 'x' }],
      configMap: { configMapName: 'trial-templates', configMapNamespace: 'team', templatePath: 'job.yaml' },
    },
  },
});

describe('trialTemplate.configMap on the Kubernetes runner', () => {
  it('is refused at create while the cluster has no such ConfigMap', async () => {
    await assert.rejects(
      manager.create(experiment('cm-missing')),
      /configMapName: "trial-templates" names no ConfigMap in namespace team/,
    );
  });

  it('runs its trials from the template in the cluster', async () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [
              {
                name: 'training',
                image: 'trainer:1',
                command: ['sh', '-c', 'echo "loss=${trialParameters.x}"'],
              },
            ],
          },
        },
      },
    };
    server.store.create(CONFIG_MAPS, 'team', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'trial-templates', namespace: 'team' },
      data: { 'job.yaml': stringify(job) },
    });
    const created = await manager.create(experiment('cm-ok'));
    assert.equal(created.spec.trialTemplate.trialSpec.kind, 'Job');
    let last: Experiment | undefined;
    await until(
      'experiment cm-ok to finish',
      async () => {
        last = await manager.get('cm-ok');
        return isFinished(last);
      },
      30_000,
    );
    assert.equal(last?.status?.trialsSucceeded, 2);
    assert.equal(last?.status?.currentOptimalTrial?.parameterAssignments[0]?.value, '0.1');
  });
});
