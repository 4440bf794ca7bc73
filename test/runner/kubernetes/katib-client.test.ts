/** KatibClient's runner option: embedded on the stand-in cluster (KUBECONFIG), and its bad input. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KatibClient } from '../../../src/sdk/index.js';
import { FakeKubeApiServer, JOBS } from '../../support/fake-kube-apiserver.js';

const server = new FakeKubeApiServer();
const dir = mkdtempSync(join(tmpdir(), 'katib-k8s-client-'));
before(async () => {
  await server.start();
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, server.kubeConfig().exportConfig());
  process.env.KUBECONFIG = kubeconfig; // read by the client's KubeConfig.loadFromDefault()
});
after(() => server.close());

describe("KatibClient({runner: 'kubernetes'})", () => {
  it('runs an experiment whose Job only has args (the image entrypoint), in the namespace given', async () => {
    const client = new KatibClient({
      db: `sqlite:${join(dir, 'k.db')}`,
      workDir: join(dir, 'work'),
      runner: 'kubernetes',
      namespace: 'sdk',
    });
    try {
      const experiment = {
        apiVersion: 'kubeflow.org/v1beta1',
        kind: 'Experiment',
        metadata: { name: 'sdk-k8s' },
        spec: {
          objective: { type: 'minimize', objectiveMetricName: 'loss' },
          algorithm: { algorithmName: 'grid' },
          maxTrialCount: 1,
          parameters: [{ name: 'x', parameterType: 'discrete', feasibleSpace: { list: ['3'] } }],
          trialTemplate: {
            trialParameters: [{ name: 'x', reference: 'x' }],
            trialSpec: {
              apiVersion: 'batch/v1',
              kind: 'Job',
              spec: {
                template: {
                  spec: {
                    restartPolicy: 'Never',
                    containers: [
                      {
                        name: 'c',
                        image: 'x',
                        envFrom: [{ secretRef: { name: 's', optional: true } }],
                        command: ['sh', '-c'],
                        args: ['echo loss=${trialParameters.x}'],
                      },
                    ],
                  },
                },
              },
            },
          },
        },
      };
      await client.createExperiment(experiment);
      const done = await client.waitForExperimentCondition('sdk-k8s', { timeout: 20, pollingInterval: 0.1 });
      assert.equal(done.status?.trialsSucceeded, 1);
      const [trial] = await client.listTrials('sdk-k8s');
      assert.equal((await client.getTrialLogs(trial!.name)).stdout, 'loss=3\n');
      const job = server.store.events.find((e) => e.resource === JOBS && e.type === 'ADDED')!.object;
      assert.equal(job.metadata.namespace, 'sdk');
      await assert.rejects(
        client.tune({ name: 't', objective: () => 1, parameters: {}, objectiveMetricName: 'loss' } as never),
        /runner: "kubernetes" does not run tune\(\)/,
      );
    } finally {
      await client.close();
    }
  });

  it('bad options are refused naming them', () => {
    assert.throws(
      () => new KatibClient({ runner: 'slurm' as never }),
      /runner: "slurm" must be "local" or "kubernetes"/,
    );
    assert.throws(
      () => new KatibClient({ namespace: 'x' }),
      /namespace: "x" applies to runner "kubernetes" only/,
    );
    assert.throws(
      () => new KatibClient({ address: '127.0.0.1:1', namespace: 'x', runner: 'kubernetes' }),
      /address: .* cannot be combined/,
    );
    assert.doesNotThrow(() => new KatibClient({ address: '127.0.0.1:1', runner: 'kubernetes' }));
  });
});
