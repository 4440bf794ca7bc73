/**
 * Every TrialRunner through the same contract (conformance.ts): the local process runner, and the
 * Kubernetes Job runner against the stand-in API server, whose kubelet runs each container's
 * command as a real local process.
 */
import { join } from 'node:path';
import { after, before } from 'node:test';
import { LocalTrialRunner, type TrialRunSpec } from '../../src/runner/index.js';
import { FakeKubeApiServer } from '../support/fake-kube-apiserver.js';
import { trialRunnerConformance } from './conformance.js';
import { commandJob, standInRunner, trialSpec } from './kubernetes/support.js';
import { tempDir } from './process-helpers.js';

let root: string;
before(async () => {
  root = await tempDir('runner-conformance');
});

let seq = 0;
trialRunnerConformance({
  name: 'local processes',
  runner: () => new LocalTrialRunner({ killGraceMs: 500 }),
  spec: (command, extra = {}) => {
    seq++;
    return {
      trialName: `t${seq}`,
      experimentName: 'conformance',
      command,
      env: {},
      workingDir: join(root, `trial-${seq}`),
      ...extra,
    };
  },
  unstartable: () => ({
    trialName: 'unstartable',
    experimentName: 'conformance',
    command: ['katib-no-such-program'],
    env: {},
    workingDir: join(root, 'unstartable'),
  }),
});

const server = new FakeKubeApiServer();
before(() => server.start());
after(() => server.close());

trialRunnerConformance({
  name: 'Kubernetes Jobs (stand-in API server)',
  runner: () => standInRunner(server).runner,
  spec: (argv, extra: Partial<TrialRunSpec> = {}) => trialSpec('conformance', commandJob(argv), {}, extra),
  unstartable: () => trialSpec('conformance', { apiVersion: 'example.com/v1', kind: 'Nope', spec: {} }),
});
