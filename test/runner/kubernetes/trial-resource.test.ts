import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EXPERIMENT_LABEL,
  podTemplatesOf,
  TRIAL_LABEL,
  trialExitOf,
  trialResource,
} from '../../../src/runner/kubernetes/index.js';
import type { Obj } from '../../support/fake-kube-apiserver.js';

const container = (name: string, env?: unknown[]) => ({
  name,
  image: 'img',
  command: ['run'],
  ...(env ? { env } : {}),
});
const job = (containers: unknown[], extra: Record<string, unknown> = {}) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { labels: { team: 'a' } },
  spec: { ...extra, template: { spec: { restartPolicy: 'Never', containers } } },
});
const base = {
  trialName: 'exp-t1',
  experimentName: 'exp',
  namespace: 'ns',
  env: { KATIB_TRIAL_NAME: 'exp-t1' },
};

describe('trialResource', () => {
  it('names, labels and owns a Job, puts the env first on the primary container, leaves the input alone', () => {
    const input = job([
      container('side'),
      container('training', [
        { name: 'A', value: '$(KATIB_TRIAL_NAME)' },
        { name: 'KATIB_TRIAL_NAME', value: 'old' },
      ]),
    ]);
    const before = structuredClone(input);
    const { object, podTemplates, primaryContainers } = trialResource({
      ...base,
      object: input,
      primaryContainerName: 'training',
      owner: { apiVersion: 'v1', kind: 'ConfigMap', name: 'katib-experiment-exp', uid: 'u1' },
      podAnnotations: { 'katib-ts.kubeflow.org/metric-names': 'loss', own: 'ours' },
      timeoutSeconds: 30.2,
    });
    assert.deepEqual(input, before);
    assert.equal(podTemplates, 1);
    assert.equal(primaryContainers, 1);
    const o = object as Obj;
    assert.equal(o.metadata.name, 'exp-t1');
    assert.equal(o.metadata.namespace, 'ns');
    assert.deepEqual(o.metadata.labels, { team: 'a', [EXPERIMENT_LABEL]: 'exp', [TRIAL_LABEL]: 'exp-t1' });
    assert.deepEqual(o.metadata.ownerReferences, [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'katib-experiment-exp',
        uid: 'u1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.deepEqual(o.spec.template.metadata.labels, { [EXPERIMENT_LABEL]: 'exp', [TRIAL_LABEL]: 'exp-t1' });
    assert.deepEqual(o.spec.template.metadata.annotations, {
      'katib-ts.kubeflow.org/metric-names': 'loss',
      own: 'ours',
    });
    assert.equal(o.spec.activeDeadlineSeconds, 31);
    assert.equal(o.spec.template.spec.containers[0].env, undefined);
    assert.deepEqual(o.spec.template.spec.containers[1].env, [
      { name: 'KATIB_TRIAL_NAME', value: 'exp-t1' },
      { name: 'A', value: '$(KATIB_TRIAL_NAME)' },
    ]);
  });

  it("keeps the template's own annotations and a shorter deadline; the only container is primary", () => {
    const input = job([container('only')], { activeDeadlineSeconds: 10 });
    (input.spec.template as Obj).metadata = { annotations: { 'katib-ts.kubeflow.org/metric-names': 'acc' } };
    const { object } = trialResource({
      ...base,
      object: input,
      timeoutSeconds: 60,
      podAnnotations: { 'katib-ts.kubeflow.org/metric-names': 'loss' },
    });
    const o = object as Obj;
    assert.equal(o.spec.activeDeadlineSeconds, 10);
    assert.equal(o.spec.template.metadata.annotations['katib-ts.kubeflow.org/metric-names'], 'acc');
    assert.equal(o.spec.template.spec.containers[0].env[0].name, 'KATIB_TRIAL_NAME');
  });

  it('several containers and no primaryContainerName: no primary', () => {
    assert.equal(
      trialResource({ ...base, object: job([container('a'), container('b')]) }).primaryContainers,
      0,
    );
  });

  it('finds the pod templates of Kubeflow training jobs and JobSets', () => {
    const tfjob = {
      apiVersion: 'kubeflow.org/v1',
      kind: 'TFJob',
      spec: {
        tfReplicaSpecs: {
          Chief: { replicas: 1, template: { spec: { containers: [container('tensorflow')] } } },
          Worker: { replicas: 2, template: { spec: { containers: [container('tensorflow')] } } },
        },
      },
    };
    const { object, podTemplates, primaryContainers } = trialResource({
      ...base,
      object: tfjob,
      primaryContainerName: 'tensorflow',
    });
    assert.equal(podTemplates, 2);
    assert.equal(primaryContainers, 2);
    assert.equal((object as Obj).spec.activeDeadlineSeconds, undefined);
    const jobset = {
      apiVersion: 'jobset.x-k8s.io/v1alpha2',
      kind: 'JobSet',
      spec: {
        replicatedJobs: [
          { name: 'w', template: { spec: { template: { spec: { containers: [container('c')] } } } } },
        ],
      },
    };
    assert.equal(podTemplatesOf(jobset).length, 1);
  });
});

describe('trialExitOf', () => {
  const pod = (terminated: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) => ({
    metadata: { name: 'p' },
    status: {
      ...extra,
      containerStatuses: [{ name: 'training', state: terminated ? { terminated } : { running: {} } }],
    },
  });
  it('success is exit code 0', () => {
    assert.deepEqual(trialExitOf({ how: 'state', state: { phase: 'succeeded' } }, [], 'training', 'Job'), {
      exitCode: 0,
      signal: null,
    });
  });
  it("a failure carries the primary container's last exit code and the reasons", () => {
    const pods = [
      pod({ exitCode: 3, reason: 'Error', finishedAt: '2024-01-01T00:00:01Z' }),
      pod({ exitCode: 137, reason: 'OOMKilled', finishedAt: '2024-01-01T00:00:05Z' }),
    ];
    const exit = trialExitOf(
      {
        how: 'state',
        state: {
          phase: 'failed',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
        },
      },
      pods,
      'training',
      'Job',
    );
    assert.deepEqual(exit, {
      exitCode: 137,
      signal: null,
      detail:
        'BackoffLimitExceeded: Job has reached the specified backoff limit; container "training" OOMKilled',
    });
  });
  it("DeadlineExceeded (the Job's or the pod's) is a timeout", () => {
    const byJob = trialExitOf(
      { how: 'state', state: { phase: 'failed', reason: 'DeadlineExceeded' } },
      [],
      'training',
      'Job',
    );
    assert.equal(byJob.killedBy, 'timeout');
    const byPod = trialExitOf(
      { how: 'state', state: { phase: 'failed' } },
      [pod(undefined, { reason: 'DeadlineExceeded' })],
      'training',
      'Job',
    );
    assert.equal(byPod.killedBy, 'timeout');
  });
  it('a failure never reads as exit code 0; killed and deleted', () => {
    assert.equal(
      trialExitOf({ how: 'state', state: { phase: 'failed' } }, [pod({ exitCode: 0 })], 'training', 'X')
        .exitCode,
      null,
    );
    assert.deepEqual(trialExitOf({ how: 'killed', by: 'kill' }, [], 'training', 'Job'), {
      exitCode: null,
      signal: 'SIGTERM',
      killedBy: 'kill',
    });
    assert.match(trialExitOf({ how: 'deleted' }, [], 'training', 'Job').detail ?? '', /Job was deleted/);
  });
});
