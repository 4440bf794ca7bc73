/**
 * `katib server --runner kubernetes` as a real process, with KUBECONFIG naming the stand-in API
 * server: an experiment created through KatibClient runs its trials as Jobs there.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KatibClient } from '../../../src/sdk/index.js';
import { CliProcess, runCli } from '../../cli/spawn-cli.js';
import { FakeKubeApiServer, JOBS } from '../../support/fake-kube-apiserver.js';

const server = new FakeKubeApiServer();
const dir = mkdtempSync(join(tmpdir(), 'katib-k8s-cli-'));
const kubeconfig = join(dir, 'kubeconfig');
before(async () => {
  await server.start();
  writeFileSync(kubeconfig, server.kubeConfig('ml').exportConfig());
});
after(() => server.close());

describe('katib server --runner kubernetes', () => {
  it('runs an experiment whose trials are Jobs in the namespace, reaching the DB manager through its Service', async () => {
    const cli = new CliProcess(
      [
        'server',
        '--listen',
        '127.0.0.1:0',
        '--http-listen',
        'off',
        '--db',
        `sqlite:${join(dir, 'k.db')}`,
        '--work-dir',
        join(dir, 'work'),
        '--runner',
        'kubernetes',
      ],
      { KUBECONFIG: kubeconfig, KATIB_NAMESPACE: 'ml' },
    );
    try {
      const ready = await cli.waitForLog('katib server ready', 30_000);
      assert.match(String(ready.runner), /^kubernetes \(http:\/\/127\.0\.0\.1:\d+, namespace ml\)$/);
      const client = new KatibClient({ address: String(ready.grpcAddress) });
      try {
        await client.createExperiment({
          apiVersion: 'kubeflow.org/v1beta1',
          kind: 'Experiment',
          metadata: { name: 'cli-k8s' },
          spec: {
            objective: { type: 'maximize', objectiveMetricName: 'acc' },
            algorithm: { algorithmName: 'grid' },
            maxTrialCount: 2,
            parallelTrialCount: 2,
            parameters: [{ name: 'lr', parameterType: 'discrete', feasibleSpace: { list: ['1', '2'] } }],
            trialTemplate: {
              trialParameters: [{ name: 'lr', reference: 'lr' }],
              trialSpec: {
                apiVersion: 'batch/v1',
                kind: 'Job',
                spec: {
                  template: {
                    spec: {
                      restartPolicy: 'Never',
                      // args without command run the image's entrypoint: fine on a cluster. The
                      // stand-in's kubelet needs a command, so this one has both.
                      containers: [
                        {
                          name: 'train',
                          image: 'trainer:1',
                          command: ['sh', '-c'],
                          args: ['echo acc=${trialParameters.lr}'],
                        },
                      ],
                    },
                  },
                },
              },
            },
          },
        });
        const done = await client.waitForExperimentCondition('cli-k8s', {
          timeout: 30,
          pollingInterval: 0.2,
        });
        assert.equal(done.status?.trialsSucceeded, 2);
        assert.equal(done.status?.currentOptimalTrial?.parameterAssignments[0]?.value, '2');
      } finally {
        await client.close();
      }
      const jobs = server.store.events
        .filter((e) => e.resource === JOBS && e.type === 'ADDED')
        .map((e) => e.object);
      assert.equal(jobs.length, 2);
      for (const job of jobs) {
        assert.equal(job.metadata.namespace, 'ml');
        const env = job.spec.template.spec.containers[0].env as { name: string; value: string }[];
        assert.deepEqual(
          env.find((e) => e.name === 'KATIB_DB_MANAGER_ADDRESS'),
          {
            name: 'KATIB_DB_MANAGER_ADDRESS',
            value: 'katib-db-manager.ml.svc:6789',
          },
        );
      }
    } finally {
      cli.kill('SIGTERM');
      await cli.exited;
    }
  });

  it('a bad --runner is a usage error; an API server it cannot reach stops it at start', async () => {
    const bad = await runCli(['server', '--runner', 'slurm', '--db', `sqlite:${join(dir, 'x.db')}`]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--runner.*slurm.*must be local or kubernetes/);
    const closed = join(dir, 'closed-kubeconfig');
    writeFileSync(
      closed,
      server
        .kubeConfig()
        .exportConfig()
        .replace(/127\.0\.0\.1:\d+/, '127.0.0.1:9'),
    );
    const unreachable = await runCli(
      ['server', '--runner', 'kubernetes', '--db', `sqlite:${join(dir, 'y.db')}`],
      {
        KUBECONFIG: closed,
      },
    );
    assert.equal(unreachable.code, 1);
    assert.match(
      unreachable.stderr,
      /--runner kubernetes: cannot use the Kubernetes API at http:\/\/127\.0\.0\.1:9/,
    );
  });
});
