/**
 * Katib's own Python client against our DB manager: stubs generated from proto/api/v1/beta1/api.proto
 * with grpc_tools.protoc, and a Push trial of `katib run` reporting exactly as Katib's
 * `report_metrics` does (see the fixture). Needs grpc for /usr/bin/python3 (Debian:
 * python3-grpcio python3-grpc-tools); skipped with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Experiment } from '../../src/api/experiment.js';
import { openDatabase } from '../../src/store/index.js';
import { E2E_FIXTURES, katib, ROOT } from './cli.js';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import grpc, grpc_tools.protoc'], { encoding: 'utf8' });
const skip =
  probe.status === 0
    ? undefined
    : `${PYTHON} cannot import grpc and grpc_tools (apt-get install python3-grpcio python3-grpc-tools): ${
        probe.error?.message ?? probe.stderr.trim().split('\n').at(-1)
      }`;

describe("Katib's Python report_metrics pushes into katib run's DB manager", { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'katib-pyclient-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('one unary ReportObservationLog per trial over gRPC: stored, observed, optimal trial found', async () => {
    const stubs = join(dir, 'stubs');
    mkdirSync(stubs);
    const gen = spawnSync(
      PYTHON,
      [
        '-m',
        'grpc_tools.protoc',
        `-I${join(ROOT, 'proto', 'api', 'v1', 'beta1')}`,
        `--python_out=${stubs}`,
        `--grpc_python_out=${stubs}`,
        'api.proto',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(gen.status, 0, gen.stderr);

    const file = join(dir, 'experiment.json');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'kubeflow.org/v1beta1',
        kind: 'Experiment',
        metadata: { name: 'katib-client' },
        spec: {
          objective: { type: 'minimize', objectiveMetricName: 'loss', additionalMetricNames: ['accuracy'] },
          algorithm: { algorithmName: 'grid' },
          parallelTrialCount: 3,
          maxTrialCount: 3,
          parameters: [
            { name: 'x', parameterType: 'discrete', feasibleSpace: { list: ['0.7', '0.2', '0.4'] } },
          ],
          metricsCollectorSpec: { collector: { kind: 'Push' } },
          trialTemplate: {
            primaryContainerName: 'training',
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
                        name: 'training',
                        command: [
                          PYTHON,
                          join(E2E_FIXTURES, 'katib_report_metrics.py'),
                          '${trialParameters.x}',
                        ],
                        env: [{ name: 'PYTHONPATH', value: stubs }],
                      },
                    ],
                  },
                },
              },
            },
          },
        },
      }),
    );
    const dbUrl = `sqlite:${join(dir, 'katib.db')}`;
    const r = await katib(['run', file, '--db', dbUrl, '--work-dir', join(dir, 'work'), '-o', 'json'], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    const e = JSON.parse(r.stdout) as Experiment;
    assert.deepEqual([e.status!.trials, e.status!.trialsSucceeded], [3, 3], r.stderr);
    assert.deepEqual(e.status!.currentOptimalTrial?.parameterAssignments, [{ name: 'x', value: '0.2' }]);
    assert.deepEqual(e.status!.currentOptimalTrial?.observation.metrics, [
      { name: 'loss', min: '0.2', max: '0.2', latest: '0.2' },
      { name: 'accuracy', min: '0.8', max: '0.8', latest: '0.8' },
    ]);

    const db = await openDatabase(dbUrl);
    try {
      const trials = await db.experiments.listTrials('katib-client');
      assert.equal(trials.length, 3);
      for (const t of trials) {
        const x = t.parameterAssignments[0]!.value;
        const logs = await db.observations.get(t.name);
        // str(v) of Python floats, in the order sent, one whole-second time stamp for the call.
        assert.deepEqual(
          logs.map((l) => [l.name, l.value]),
          [
            ['loss', String(Number(x))],
            ['accuracy', String(Math.round((1 - Number(x)) * 1e6) / 1e6)],
          ],
        );
        assert.equal(logs[0]!.time, logs[1]!.time);
        assert.equal(logs[0]!.time % 1_000_000, 0, 'whole seconds');
      }
    } finally {
      await db.close();
    }
  });
});
