/** Helpers for the Kubernetes runner tests: trial specs whose Job runs a shell script on the stand-in's kubelet. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrialResourceSpec, TrialRunSpec } from '../../../src/runner/index.js';
import { type KubernetesRunnerOptions, KubernetesTrialRunner } from '../../../src/runner/kubernetes/index.js';
import type { FakeKubeApiServer, Obj } from '../../support/fake-kube-apiserver.js';

/** A batch/v1 Job whose container `training` runs `script` with sh. */
export function shJob(
  script: string,
  spec: Record<string, unknown> = {},
  pod: Record<string, unknown> = {},
): Obj {
  return commandJob(['sh', '-c', script], spec, pod);
}

/** A batch/v1 Job whose container `training` runs `command` (argv). */
export function commandJob(
  command: string[],
  spec: Record<string, unknown> = {},
  pod: Record<string, unknown> = {},
): Obj {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    spec: {
      backoffLimit: 0,
      ...spec,
      template: {
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 1,
          ...pod,
          containers: [{ name: 'training', image: 'busybox', command }],
        },
      },
    },
  };
}

let count = 0;

/** A TrialRunSpec for `object` in `namespace`, with a fresh trial name and log folder. */
export function trialSpec(
  namespace: string,
  object: Obj,
  resource: Partial<TrialResourceSpec> = {},
  extra: Partial<TrialRunSpec> = {},
): TrialRunSpec {
  count++;
  const trialName = `exp-${process.pid}-${count}`;
  const dir = mkdtempSync(join(tmpdir(), 'katib-k8s-'));
  return {
    trialName,
    experimentName: 'exp',
    command: [],
    env: { KATIB_TRIAL_NAME: trialName, KATIB_DB_MANAGER_ADDRESS: '127.0.0.1:1' },
    workingDir: dir,
    logDir: dir,
    resource: {
      object: { ...object, metadata: { ...(object.metadata ?? {}), namespace } },
      primaryContainerName: 'training',
      ...resource,
    },
    ...extra,
  };
}

/** A runner on the stand-in with short waits; warnings collected in `warnings`. */
export function standInRunner(
  server: FakeKubeApiServer,
  options: KubernetesRunnerOptions = {},
): { runner: KubernetesTrialRunner; warnings: string[] } {
  const warnings: string[] = [];
  const runner = new KubernetesTrialRunner({
    kubeConfig: server.kubeConfig(),
    retryMs: 20,
    logDrainMs: 5000,
    deleteWaitMs: 10_000,
    onWarning: (message) => warnings.push(message),
    ...options,
  });
  return { runner, warnings };
}
