/**
 * Experiments end to end with trials as Kubernetes Jobs: the embedded composition (SQLite, the
 * DB manager on loopback, ExperimentManager) with the Kubernetes runner on the stand-in API server,
 * whose kubelet runs the Jobs' containers as local processes that read their env and push to the
 * DB manager like pods would.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Experiment } from '../../../src/api/experiment.js';
import { isFinished, trialState } from '../../../src/controller/index.js';
import { type ExperimentManager, type Katib, openKatib } from '../../../src/manager/index.js';
import { KubernetesTrialRunner } from '../../../src/runner/kubernetes/index.js';
import { CONFIG_MAPS, FakeKubeApiServer, JOBS } from '../../support/fake-kube-apiserver.js';
import { until } from '../../support/fixtures.js';

const server = new FakeKubeApiServer();
let manager: ExperimentManager;
let wired: Katib;
const warnings: string[] = [];

before(async () => {
  await server.start();
  const dir = mkdtempSync(join(tmpdir(), 'katib-k8s-e2e-'));
  const runner = new KubernetesTrialRunner({
    kubeConfig: server.kubeConfig('team'),
    retryMs: 20,
    onWarning: (m) => warnings.push(m),
  });
  wired = await openKatib({
    db: `sqlite:${join(dir, 'katib.db')}`,
    workRoot: join(dir, 'work'),
    runner,
    lease: { program: 'test' },
  });
  manager = wired.manager;
});
after(async () => {
  await wired.close();
  await server.close();
});

/** A Katib Experiment document whose Job runs `command` (with ${trialParameters.x}). */
function experiment(
  name: string,
  command: string[],
  collector = 'StdOut',
  extra: Record<string, unknown> = {},
) {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name },
    spec: {
      objective: { type: 'minimize', objectiveMetricName: 'loss' },
      algorithm: { algorithmName: 'grid' },
      parallelTrialCount: 2,
      maxTrialCount: 3,
      maxFailedTrialCount: 3,
      metricsCollectorSpec: { collector: { kind: collector } },
      parameters: [{ name: 'x', parameterType: 'discrete', feasibleSpace: { list: ['0.1', '0.2', '0.3'] } }],
      trialTemplate: {
        primaryContainerName: 'training',
        trialParameters: [{ name: 'x', reference: 'x' }],
        trialSpec: {
          apiVersion: 'batch/v1',
          kind: 'Job',
          spec: {
            backoffLimit: 0,
            template: {
              spec: {
                restartPolicy: 'Never',
                containers: [{ name: 'training', image: 'trainer:1', command }],
              },
            },
          },
        },
        ...extra,
      },
    },
  };
}

async function finished(name: string): Promise<Experiment> {
  let last: Experiment | undefined;
  await until(
    `experiment ${name} to finish`,
    () => {
      void manager.get(name).then((e) => {
        last = e;
      });
      return last !== undefined && isFinished(last);
    },
    30_000,
  ).catch(async (err: Error) => {
    // Say where it stuck: the trials' states, the Jobs' conditions and the runner's warnings.
    const trials = (await manager.listTrials(name)).map((t) => `${t.name}: ${trialState(t)}`);
    const jobs = server.store
      .list(JOBS, 'team', (j) => j.metadata.labels?.['katib.kubeflow.org/experiment'] === name)
      .map((j) => `${j.metadata.name}: ${JSON.stringify(j.status?.conditions ?? [])}`);
    throw new Error(
      `${err.message}\ntrials: ${trials.join(', ')}\njobs: ${jobs.join('; ')}\nwarnings: ${warnings.join('; ')}`,
    );
  });
  return last!;
}

describe('experiments with trials as Kubernetes Jobs', () => {
  it("StdOut: metrics read from the primary container's log; optimal trial; logs kept", async () => {
    await manager.create(experiment('k8s-stdout', ['sh', '-c', 'echo "epoch 1 loss=${trialParameters.x}"']));
    const done = await finished('k8s-stdout');
    assert.equal(done.status?.trialsSucceeded, 3);
    assert.equal(done.status?.currentOptimalTrial?.parameterAssignments[0]?.value, '0.1');
    const trials = await manager.listTrials('k8s-stdout');
    assert.deepEqual(trials.map((t) => trialState(t)).sort(), ['Succeeded', 'Succeeded', 'Succeeded']);
    const first = trials[0]!;
    assert.match((await manager.trialLogs(first.name)).stdout, /^epoch 1 loss=0\.\d\n$/);
    // Not retained: the Jobs are gone once their logs were read.
    assert.deepEqual(
      server.store.list(
        JOBS,
        'team',
        (j) => j.metadata.labels?.['katib.kubeflow.org/experiment'] === 'k8s-stdout',
      ),
      [],
    );
  });

  it('Push: the trial pushes to the DB manager at the address in its env', async () => {
    const push = [
      'node',
      '-e',
      `fetch('http://' + process.env.KATIB_DB_MANAGER_HTTP_ADDRESS + '/api.v1.beta1.DBManager/ReportObservationLog', {
         method: 'POST', headers: {'content-type': 'application/json'},
         body: JSON.stringify({trialName: process.env.KATIB_TRIAL_NAME,
           observationLog: {metricLogs: [{timeStamp: '', metric: {name: 'loss', value: '\${trialParameters.x}'}}]}})
       }).then((r) => { if (!r.ok) process.exit(5); })`,
    ];
    await manager.create(experiment('k8s-push', push, 'Push'));
    const done = await finished('k8s-push');
    assert.equal(done.status?.trialsSucceeded, 3, JSON.stringify(done.status));
    const trials = await manager.listTrials('k8s-push');
    for (const trial of trials) {
      const loss = trial.observation?.metrics.find((m) => m.name === 'loss');
      assert.equal(loss?.latest, trial.parameterAssignments[0]?.value);
    }
  });

  it('a failing container fails its trial with the exit code; deleting the experiment deletes its owner', async () => {
    await manager.create(
      experiment('k8s-fail', ['sh', '-c', 'echo "no luck ${trialParameters.x}"; exit 4'], 'StdOut', {
        retain: true,
      }),
    );
    const done = await finished('k8s-fail');
    assert.equal(done.status?.trialsFailed, 3);
    const trial = (await manager.listTrials('k8s-fail'))[0]!;
    const failed = trial.conditions.find((c) => c.type === 'Failed');
    assert.match(
      failed?.message ?? '',
      /^Trial exited with code 4 \(BackoffLimitExceeded: .*\): no luck 0\.\d$/,
    );
    const retained = () =>
      server.store.list(
        JOBS,
        'team',
        (j) => j.metadata.labels?.['katib.kubeflow.org/experiment'] === 'k8s-fail',
      );
    assert.equal(retained().length, 3, 'retained');
    assert.ok(server.store.get(CONFIG_MAPS, 'team', 'katib-experiment-k8s-fail'));
    await manager.delete('k8s-fail');
    assert.equal(server.store.get(CONFIG_MAPS, 'team', 'katib-experiment-k8s-fail'), undefined);
    assert.equal(retained().length, 3, 'retained Jobs outlive the experiment');
  });

  it('File collection is refused for Kubernetes trials (the file is in the pod)', async () => {
    await manager.create(experiment('k8s-file', ['sh', '-c', 'echo ${trialParameters.x}'], 'File'));
    const done = await finished('k8s-file');
    const trial = (await manager.listTrials('k8s-file'))[0]!;
    assert.equal(trialState(trial), 'Failed');
    assert.match(trial.conditions.at(-1)?.message ?? '', /not supported with the Kubernetes runner/);
    assert.equal(done.status?.trialsSucceeded, 0);
  });
});
