/**
 * `katib run exp.yaml 2>&1 | head -3`: the reader of katib's output goes away mid-run. katib keeps
 * running silently (docs/running-experiments.md): every trial ends by the usual rules, none is
 * left Running, no trial process outlives katib, and the exit code is the experiment's.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { conditionOf, trialProcesses } from '../controller/harness.js';
import { KatibProcess, readStore } from './cli.js';

const EXPERIMENT = `apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata: {name: closed-pipe}
spec:
  objective: {type: minimize, objectiveMetricName: loss}
  algorithm: {algorithmName: grid}
  parallelTrialCount: 2
  maxTrialCount: 6
  parameters:
    - {name: x, parameterType: discrete, feasibleSpace: {list: ["1", "2", "3", "4", "5", "6"]}}
  trialTemplate:
    primaryContainerName: training
    trialParameters: [{name: x, reference: x}]
    trialSpec:
      apiVersion: batch/v1
      kind: Job
      spec:
        template:
          spec:
            containers:
              - name: training
                command: [sh, -c, 'sleep 0.5; echo loss=\${trialParameters.x}']
`;

describe('katib run with its output closed by the reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'katib-pipe-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps running: every trial ends Succeeded, none left Running or alive, exit 0', async () => {
    const file = join(dir, 'experiment.yaml');
    writeFileSync(file, EXPERIMENT);
    const db = join(dir, 'katib.sqlite');
    const katib = new KatibProcess(['run', file, '--db', `sqlite:${db}`, '--work-dir', join(dir, 'work')], {
      cwd: dir,
    });
    await katib.waitForStderr(/^\[1\/6\] /m);
    // The reader goes away, as `head` does after its lines: both pipes' read ends close.
    katib.child.stdout!.destroy();
    katib.child.stderr!.destroy();
    const ended = await katib.ended;
    assert.equal(
      ended.code,
      0,
      `exit ${ended.code} ${ended.signal}; stderr before the close: ${ended.stderr}`,
    );
    const { experiment, trials } = readStore(db, 'closed-pipe');
    assert.equal(trials.length, 6);
    for (const t of trials) {
      assert.equal(conditionOf(t).type, 'Succeeded', t.name);
      assert.deepEqual(trialProcesses(t.name), [], `${t.name} has no process left`);
    }
    assert.equal(experiment?.status?.conditions.filter((c) => c.status === 'True').at(-1)?.type, 'Succeeded');
  });
});
