/**
 * `katib run` with --auth (and TLS) end to end, as processes: every trial gets its own
 * KATIB_TRIAL_TOKEN and pushes with it (katib-ts's reportMetrics over gRPC; Python prints
 * rewritten into pushes over HTTPS), a push for another trial is refused, the experiment succeeds.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { Experiment } from '../../src/api/experiment.js';
import { runCli } from '../cli/spawn-cli.js';
import { tempDir } from '../sdk/support.js';
import { makeCerts, type TestCerts } from './support.js';

const PUSH_TRIAL = fileURLToPath(new URL('./fixtures/push-trial.mjs', import.meta.url));
const TSX = import.meta.resolve('tsx');

function experiment(name: string, command: string[]) {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name },
    spec: {
      objective: { type: 'minimize', objectiveMetricName: 'loss' },
      algorithm: { algorithmName: 'random' },
      maxTrialCount: 2,
      parallelTrialCount: 2,
      maxFailedTrialCount: 0,
      metricsCollectorSpec: { collector: { kind: 'Push' } },
      parameters: [{ name: 'x', parameterType: 'int', feasibleSpace: { min: '1', max: '9' } }],
      trialTemplate: {
        primaryContainerName: 'training',
        trialParameters: [{ name: 'x', reference: 'x' }],
        trialSpec: {
          apiVersion: 'batch/v1',
          kind: 'Job',
          spec: {
            template: {
              spec: { containers: [{ name: 'training', image: 'any', command }], restartPolicy: 'Never' },
            },
          },
        },
      },
    },
  };
}

function assertSucceeded(stdout: string, stderr: string): Experiment {
  const e = JSON.parse(stdout) as Experiment;
  assert.equal(e.status?.conditions.at(-1)?.type, 'Succeeded', stderr);
  assert.equal(e.status?.trialsSucceeded, 2, stderr);
  assert.equal(e.status?.trialMetricsUnavailable, 0, stderr);
  return e;
}

describe('katib run --auth', () => {
  let tmp: ReturnType<typeof tempDir>;
  let certs: TestCerts;
  before(() => {
    tmp = tempDir('katib-run-auth-');
    certs = makeCerts();
  });
  after(() => {
    certs.remove();
    tmp.remove();
  });

  it('trials push with their own KATIB_TRIAL_TOKEN through reportMetrics; a push for another trial is refused', async () => {
    const file = join(tmp.dir, 'sdk.yaml');
    writeFileSync(
      file,
      stringify(experiment('auth-sdk', ['node', '--import', TSX, PUSH_TRIAL, '${trialParameters.x}'])),
    );
    const db = `sqlite:${join(tmp.dir, 'sdk.db')}`;
    const run = await runCli([
      'run',
      file,
      '--db',
      db,
      '--work-dir',
      join(tmp.dir, 'work'),
      '-o',
      'json',
      '--auth',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const e = assertSucceeded(run.stdout, run.stderr);
    const best = e.status?.currentOptimalTrial?.observation.metrics.find((m) => m.name === 'loss');
    assert.ok(best && Number(best.latest) > 0, 'the refused push of 0 was not stored');
  });

  it('with --tls-cert/--tls-key/--tls-ca too: Python prints rewritten into pushes go over HTTPS with the token', async () => {
    const file = join(tmp.dir, 'py.yaml');
    const code = 'import sys\nx = int(sys.argv[1])\nprint(f"loss={x / 10}")';
    writeFileSync(file, stringify(experiment('auth-py', ['python3', '-c', code, '${trialParameters.x}'])));
    const db = `sqlite:${join(tmp.dir, 'py.db')}`;
    const run = await runCli([
      'run',
      file,
      '--db',
      db,
      '--work-dir',
      join(tmp.dir, 'work'),
      '-o',
      'json',
      '--auth',
      '--tls-cert',
      certs.serverCert,
      '--tls-key',
      certs.serverKey,
      '--tls-ca',
      certs.caCert,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const e = assertSucceeded(run.stdout, run.stderr);
    const best = e.status?.currentOptimalTrial?.observation.metrics.find((m) => m.name === 'loss');
    assert.ok(best && Number(best.latest) > 0);
  });
});
