/**
 * `katib run` as a process: what it prints, its exit codes (0 Succeeded, 1 Failed, 2 bad usage or
 * invalid file, 130 interrupted), resuming after Ctrl-C, and a second run of the same file.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Experiment } from '../../src/api/experiment.js';
import { E2E_FIXTURES, KatibProcess, katib, readStore } from './cli.js';

const fixture = (name: string): string => join(E2E_FIXTURES, name);

/** The current condition of a printed Experiment. */
function condition(e: Experiment): { type: string; reason: string } {
  const c = e.status?.conditions.filter((x) => x.status === 'True').at(-1);
  return { type: c?.type ?? 'none', reason: c?.reason ?? 'none' };
}

describe('katib run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'katib-e2e-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  /** `katib run FILE --db <fresh sqlite> ...` in the temp folder; returns the db flag for reruns. */
  const db = (): string[] => ['--db', `sqlite:${join(dir, `db-${++n}.sqlite`)}`];
  const run = (file: string, ...args: string[]) =>
    katib(['run', file, '--work-dir', join(dir, 'work'), ...args], { cwd: dir });

  it('--output json prints the Katib-shaped Experiment and nothing else; a second run prints it again', async () => {
    const flags = db();
    const first = await run(fixture('quick.yaml'), ...flags, '-o', 'json');
    assert.equal(first.code, 0, first.stderr);
    const e = JSON.parse(first.stdout) as Experiment;
    assert.equal(e.apiVersion, 'kubeflow.org/v1beta1');
    assert.equal(e.kind, 'Experiment');
    assert.equal(e.metadata.name, 'quick');
    assert.deepEqual(condition(e), { type: 'Succeeded', reason: 'ExperimentMaxTrialsReached' });
    assert.deepEqual(
      e.status!.conditions.map((c) => [c.type, c.status]),
      [
        ['Created', 'True'],
        ['Running', 'False'],
        ['Succeeded', 'True'],
      ],
    );
    const s = e.status!;
    assert.deepEqual(
      [s.trials, s.trialsSucceeded, s.trialsFailed, s.trialsKilled, s.trialsRunning, s.trialsPending],
      [3, 3, 0, 0, 0, 0],
    );
    assert.equal(s.trialMetricsUnavailable, 0);
    assert.equal(s.trialsEarlyStopped, 0);
    assert.ok(s.startTime && s.completionTime);
    assert.deepEqual(s.currentOptimalTrial?.parameterAssignments, [{ name: 'x', value: '0.1' }]);
    assert.deepEqual(s.currentOptimalTrial?.observation.metrics, [
      { name: 'loss', min: '0.1', max: '0.1', latest: '0.1' },
    ]);
    assert.match(s.currentOptimalTrial!.bestTrialName, /^quick-[a-z0-9]{8}$/);
    // Progress goes to stderr, one line per finished trial.
    assert.equal(first.stderr.match(/^\[\d\/3\] quick-/gm)?.length, 3, first.stderr);

    const again = await run(fixture('quick.yaml'), ...flags, '-o', 'json');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /experiment quick: already finished/);
    assert.deepEqual(JSON.parse(again.stdout), e);
  });

  it('text output: the final condition, a table of trials and the best assignment', async () => {
    const r = await run(fixture('quick.yaml'), ...db(), '--quiet');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', '--quiet prints no progress');
    assert.match(r.stdout, /^Experiment quick: Succeeded \(ExperimentMaxTrialsReached\)/);
    assert.match(r.stdout, /Trials: 3 total, 3 succeeded, 0 failed/);
    assert.match(r.stdout, /^TRIAL\s+STATUS\s+loss\s+x$/m);
    assert.equal(r.stdout.match(/^quick-[a-z0-9]{8}\s+Succeeded\s+0\.\d\s+0\.\d$/gm)?.length, 3);
    assert.match(
      r.stdout,
      /Best trial: quick-[a-z0-9]{8}\n {2}x = 0\.1\n {2}loss: min 0\.1, max 0\.1, latest 0\.1/,
    );
  });

  it('exits 1 when the experiment Failed (every trial fails), also on a second run', async () => {
    const flags = db();
    const r = await run(fixture('all-fail.yaml'), ...flags, '-o', 'json');
    assert.equal(r.code, 1, r.stderr);
    const e = JSON.parse(r.stdout) as Experiment;
    assert.deepEqual(condition(e), { type: 'Failed', reason: 'ExperimentFailed' });
    assert.deepEqual([e.status!.trials, e.status!.trialsFailed], [2, 2]);
    assert.match(r.stderr, /katib run: experiment all-fail failed: .*max failed count/);
    assert.match(r.stderr, /TrialFailed: Trial exited with code 1: .*out of memory/);
    const again = await run(fixture('all-fail.yaml'), ...flags, '-o', 'json');
    assert.equal(again.code, 1);
    assert.deepEqual(JSON.parse(again.stdout), e);
  });

  it('exits 2 for an invalid file (naming every problem by its field path) or a missing one', async () => {
    const flags = db();
    const r = await run(fixture('invalid.yaml'), ...flags);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /invalid Experiment .*invalid\.yaml: 7 problems/);
    for (const path of [
      'metadata.name: "Not_A_Valid_Name"',
      'spec.objective.type: "minimise"',
      'spec.objective.additionalMetricNames[0]: "loss"',
      'spec.algorithm.algorithmName: "no-such-algorithm"',
      'spec.parallelTrialCount: 0',
      'spec.parameters[0].feasibleSpace.min: "0.5"',
      'spec.trialTemplate.trialSpec.spec.template.spec.containers[0].command[3]',
    ]) {
      assert.ok(r.stderr.includes(path), `names ${path}: ${r.stderr}`);
    }
    const missing = await run(join(dir, 'no-such.yaml'), ...db());
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no-such\.yaml: no such experiment file/);
  });

  it("exits 2 before storing anything for what only running would find: the algorithm's settings, a Kubernetes-only collector", async () => {
    const flags = db();
    const quick = readFileSync(fixture('quick.yaml'), 'utf8');
    const file = join(dir, 'quick-grid.yaml');
    // grid: maxTrialCount above the number of grid points.
    writeFileSync(file, quick.replace('maxTrialCount: 3', 'maxTrialCount: 5'));
    const bad = await run(file, ...flags);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /spec\.maxTrialCount: 5 exceeds the 3 points of the grid/);
    // Nothing was stored: the fixed file runs under the same name in the same database.
    writeFileSync(file, quick);
    const fixed = await run(file, ...flags, '-q');
    assert.equal(fixed.code, 0, fixed.stderr);

    writeFileSync(
      file,
      quick
        .replace('name: quick', 'name: quick-prom')
        .replace(
          '  parallelTrialCount: 3',
          '  metricsCollectorSpec: {collector: {kind: PrometheusMetric}}\n  parallelTrialCount: 3',
        ),
    );
    const tf = await run(file, ...flags);
    assert.equal(tf.code, 2);
    assert.match(
      tf.stderr,
      /spec\.metricsCollectorSpec\.collector\.kind: "PrometheusMetric" is not collected when trials run locally/,
    );
  });

  it('exits 2 for a bad --output, before anything runs', async () => {
    const r = await run(fixture('quick.yaml'), ...db(), '--output', 'yaml');
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /--output: "yaml" must be text or json/);
  });

  it('exits 2 for the same experiment name with a different spec in the same database', async () => {
    const flags = db();
    assert.equal((await run(fixture('quick.yaml'), ...flags, '-q')).code, 0);
    const changed = join(dir, 'quick-changed.yaml');
    writeFileSync(changed, readFileSync(fixture('quick.yaml'), 'utf8').replace('"0.2"]', '"0.25"]'));
    const r = await run(changed, ...flags);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /experiment quick already exists in sqlite:.* with a different spec/);
  });

  it('SIGINT stops it with exit 130; the same command again resumes it to completion', async () => {
    const flags = db();
    copyFileSync(fixture('interrupt.yaml'), join(dir, 'interrupt.yaml'));
    const args = [
      'run',
      join(dir, 'interrupt.yaml'),
      '--work-dir',
      join(dir, 'work'),
      ...flags,
      '-o',
      'json',
    ];
    const first = new KatibProcess(args, { cwd: dir });
    // Interrupt once the first two trials have finished and the next two are running.
    await first.waitForStderr(/^\[2\/4\] /m);
    const dbFile = flags[1]!.slice('sqlite:'.length);
    for (
      let i = 0;
      readStore(dbFile, 'interrupt').trials.filter((t) => t.startTime && !t.completionTime).length < 2;
      i++
    ) {
      assert.ok(i < 500, 'two trials running');
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGINT');
    const stopped = await first.ended;
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.equal(stopped.stdout, '');
    assert.match(stopped.stderr, /interrupted: stopping trials \(run the same command again to resume\)/);
    assert.match(stopped.stderr, /katib run: experiment interrupt interrupted; run it again to resume/);

    const second = await katib(args, { cwd: dir });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /experiment interrupt: resuming/);
    const e = JSON.parse(second.stdout) as Experiment;
    assert.deepEqual(condition(e), { type: 'Succeeded', reason: 'ExperimentMaxTrialsReached' });
    assert.deepEqual([e.status!.trials, e.status!.trialsSucceeded], [4, 4]);
    assert.match(
      e.status!.conditions.find((c) => c.type === 'Running')!.message,
      /2 interrupted trial\(s\) restarted/,
    );
    assert.deepEqual(e.status!.currentOptimalTrial?.parameterAssignments, [{ name: 'x', value: '0.4' }]);
  });
});
