/**
 * Every example in examples/ runs with `katib run FILE --output json` as a user would run it (from
 * another folder, a fresh database): exit 0, one Katib-shaped Experiment on stdout, every trial
 * Succeeded, an optimal trial with the objective observed. The Python ones need python3.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { Experiment } from '../../src/api/experiment.js';
import { EXAMPLES, katib } from './cli.js';

const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const noPython =
  python.status === 0
    ? undefined
    : `python3 is not on PATH (${python.error?.message ?? python.stderr.trim()})`;

const EXAMPLE_LIST: { name: string; needs?: string | undefined }[] = [
  { name: 'python-stdout', needs: noPython },
  { name: 'node-push' },
  { name: 'python-push', needs: noPython },
  { name: 'file-json' },
];

describe('examples/ run with katib run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'katib-examples-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const { name, needs } of EXAMPLE_LIST) {
    it(`examples/${name}`, { skip: needs }, async () => {
      const file = join(EXAMPLES, name, 'experiment.yaml');
      const written = parse(readFileSync(file, 'utf8')) as {
        spec: { maxTrialCount: number; objective: { objectiveMetricName: string } };
      };
      const r = await katib(
        [
          'run',
          file,
          '--db',
          `sqlite:${join(dir, `${name}.db`)}`,
          '--work-dir',
          join(dir, 'work'),
          '-o',
          'json',
        ],
        { cwd: dir },
      );
      assert.equal(r.code, 0, r.stderr);
      const e = JSON.parse(r.stdout) as Experiment;
      assert.equal(e.metadata.name, name);
      const s = e.status!;
      const current = s.conditions.filter((c) => c.status === 'True').at(-1);
      assert.equal(current?.type, 'Succeeded', JSON.stringify(s.conditions));
      const max = written.spec.maxTrialCount;
      // Every example runs its whole budget (none reaches its goal).
      assert.equal(current?.reason, 'ExperimentMaxTrialsReached');
      assert.deepEqual([s.trials, s.trialsSucceeded], [max, max], r.stderr);
      const objective = written.spec.objective.objectiveMetricName;
      const best = s.currentOptimalTrial;
      assert.ok(best, 'an optimal trial');
      assert.match(best.bestTrialName, new RegExp(`^${name}-[a-z0-9]{8}$`));
      const metric = best.observation.metrics.find((m) => m.name === objective);
      assert.ok(
        metric && Number.isFinite(Number(metric.latest)),
        `${objective} observed: ${JSON.stringify(metric)}`,
      );
      assert.equal(r.stderr.match(new RegExp(`^\\[\\d+/${max}\\] ${name}-`, 'gm'))?.length, max, r.stderr);
    });
  }
});
