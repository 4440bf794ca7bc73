/**
 * Experiments that name no `random_state` get a seed of their own, drawn once and recorded in the
 * stored spec (Katib seeds from the clock): two such experiments suggest different assignments,
 * and running the same file again continues the stored experiment instead of refusing it as
 * changed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Experiment } from '../../src/api/experiment.js';
import { KatibClient, search } from '../../src/sdk/index.js';
import { katib } from './cli.js';

const seedOf = (e: Experiment) =>
  e.spec.algorithm.algorithmSettings.find((s) => s.name === 'random_state')?.value;

const RANDOM = (name: string) => `apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata: {name: ${name}}
spec:
  objective: {type: minimize, objectiveMetricName: loss}
  algorithm: {algorithmName: random}
  parallelTrialCount: 2
  maxTrialCount: 2
  parameters:
    - {name: x, parameterType: double, feasibleSpace: {min: "0", max: "1"}}
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
                command: [sh, -c, 'echo loss=\${trialParameters.x}']
`;

describe('a seed of their own for experiments without random_state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'katib-seed-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('two SDK experiments with the same search get different seeds and different assignments', async () => {
    const client = new KatibClient({ db: `sqlite:${join(dir, 'sdk.db')}`, workDir: join(dir, 'sdk') });
    try {
      for (const name of ['seed-a', 'seed-b'])
        await client.tune({
          name,
          parameters: { a: search.double({ min: 0, max: 1 }) },
          objective: ({ a }) => a,
          objectiveMetricName: 'result',
          maxTrialCount: 3,
          parallelTrialCount: 3,
        });
      const values: string[][] = [];
      const seeds: (string | undefined)[] = [];
      for (const name of ['seed-a', 'seed-b']) {
        await client.waitForExperimentCondition(name, { timeout: 90, pollingInterval: 1 });
        seeds.push(seedOf(await client.getExperiment(name)));
        values.push((await client.listTrials(name)).map((t) => t.parameterAssignments[0]!.value).sort());
      }
      assert.match(seeds[0] ?? '', /^\d+$/, 'recorded in the stored spec');
      assert.notEqual(seeds[0], seeds[1]);
      assert.notDeepEqual(values[0], values[1]);
    } finally {
      await client.close();
    }
  });

  it('katib run records the seed; the same file again continues the stored experiment', async () => {
    const file = join(dir, 'random.yaml');
    writeFileSync(file, RANDOM('seeded-run'));
    const db = ['--db', `sqlite:${join(dir, 'run.sqlite')}`, '--work-dir', join(dir, 'work')];
    const first = await katib(['run', file, ...db, '-o', 'json'], { cwd: dir });
    assert.equal(first.code, 0, first.stderr);
    const seed = seedOf(JSON.parse(first.stdout) as Experiment);
    assert.match(seed ?? '', /^\d+$/);
    const again = await katib(['run', file, ...db, '-o', 'json'], { cwd: dir });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /already finished/);
    assert.equal(seedOf(JSON.parse(again.stdout) as Experiment), seed);
    // A file that names its own random_state keeps it.
    writeFileSync(
      file,
      RANDOM('explicit-seed').replace(
        '{algorithmName: random}',
        '{algorithmName: random, algorithmSettings: [{name: random_state, value: "7"}]}',
      ),
    );
    const explicit = await katib(['run', file, ...db, '-o', 'json'], { cwd: dir });
    assert.equal(seedOf(JSON.parse(explicit.stdout) as Experiment), '7');
  });
});
