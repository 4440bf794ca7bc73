/**
 * The TrialRunner contract (src/runner/trial-runner.ts), run against every runner: start never
 * throws, wait() resolves once with the exit (code, signal, why the runner ended it), every line
 * arrives before wait() resolves, kill() and an aborted signal end a trial, the timeout ends it,
 * and a program that cannot run is a startError. The trials are the tiny misbehaving programs
 * under test/fixtures/trials (crash, hang, garbage output, exit 1).
 *
 * Only what every runner promises is checked: a cluster merges stderr into the container's log,
 * so lines are compared without their stream; each runner's own file tests the rest.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunningTrial, TrialRunner, TrialRunSpec } from '../../src/runner/index.js';
import { waitFor } from '../support/fixtures.js';
import { fixture, nodeFixture } from './process-helpers.js';

/** How one runner is put through the suite. */
export interface RunnerHarness {
  /** Shown in the suite's name. */
  name: string;
  runner: () => TrialRunner;
  /** A spec running `argv` (argv[0] the program), as the controller would build it. */
  spec: (argv: string[], extra?: Partial<TrialRunSpec>) => TrialRunSpec;
  /** A spec the runner cannot start (no such program, a resource the cluster refuses ...). */
  unstartable: () => TrialRunSpec;
}

function collect(trial: RunningTrial): string[] {
  const lines: string[] = [];
  trial.onLine((line) => lines.push(line));
  return lines;
}

/** Starts `spec` and resolves with the trial and its lines once it has printed its first line. */
async function startedAndPrinting(runner: TrialRunner, spec: TrialRunSpec, signal?: AbortSignal) {
  const trial = runner.start(spec, signal ? { signal } : {});
  const lines = collect(trial);
  await waitFor('the first line', () => (lines.length > 0 ? true : undefined), 15_000);
  return { trial, lines };
}

export function trialRunnerConformance(h: RunnerHarness): void {
  describe(`TrialRunner conformance: ${h.name}`, () => {
    it('a program that exits 0: every line in order before wait() resolves, the tail kept', async () => {
      const trial = h.runner().start(h.spec(['sh', '-c', 'echo loss=0.5; echo accuracy=0.75; echo done']));
      const lines = collect(trial);
      const exit = await trial.wait();
      assert.deepEqual(exit, { exitCode: 0, signal: null });
      assert.deepEqual(lines, ['loss=0.5', 'accuracy=0.75', 'done']);
      assert.match(trial.logsTail(), /loss=0\.5\naccuracy=0\.75\ndone\n?$/);
      assert.deepEqual(await trial.wait(), exit, 'wait() again: the same exit');
    });

    it('exit 1: the exit code, the lines before it, not killed by the runner', async () => {
      const trial = h.runner().start(h.spec([fixture('exit-one.sh')]));
      const lines = collect(trial);
      const exit = await trial.wait();
      assert.equal(exit.exitCode, 1);
      assert.equal(exit.killedBy, undefined);
      assert.equal(exit.startError, undefined);
      assert.ok(lines.includes('loss=0.3'), lines.join('\n'));
      assert.ok(lines.includes('something went wrong'), 'stderr is output too');
    });

    it('a crash: exit 1, the metric printed before it and the stack trace', async () => {
      const trial = h.runner().start(h.spec(nodeFixture('crash.mjs')));
      const lines = collect(trial);
      const exit = await trial.wait();
      assert.equal(exit.exitCode, 1);
      assert.equal(exit.killedBy, undefined);
      assert.ok(lines.includes('loss=0.9'));
      assert.ok(lines.some((l) => l.includes('boom: the trial crashed')));
    });

    it('garbage output: CRLF stripped, UTF-8 split across writes decoded, a cut line joined', async () => {
      const trial = h.runner().start(h.spec(nodeFixture('garbage.mjs')));
      const lines = collect(trial);
      assert.equal((await trial.wait()).exitCode, 0);
      assert.ok(lines.includes('café loss=0.25'), lines.map((l) => JSON.stringify(l)).join('\n'));
      assert.ok(lines.includes('accuracy=0.5'));
    });

    it('kill() ends a running trial: killedBy kill, no exit code', async () => {
      const { trial, lines } = await startedAndPrinting(h.runner(), h.spec(nodeFixture('hang.mjs')));
      await trial.kill();
      const exit = await trial.wait();
      assert.equal(exit.killedBy, 'kill');
      assert.equal(exit.exitCode, null);
      assert.match(lines[0] ?? '', /^loss=0\.7 pid=\d+$/);
      await trial.kill();
      assert.deepEqual(await trial.wait(), exit, 'kill() again changes nothing');
    });

    it('an aborted signal ends a running trial like kill()', async () => {
      const abort = new AbortController();
      const { trial } = await startedAndPrinting(h.runner(), h.spec(nodeFixture('hang.mjs')), abort.signal);
      abort.abort();
      const exit = await trial.wait();
      assert.equal(exit.killedBy, 'kill');
      assert.equal(exit.exitCode, null);
    });

    it('a signal aborted before start, or kill() right after it: nothing runs', async () => {
      const runner = h.runner();
      const early = runner.start(h.spec(nodeFixture('hang.mjs')), { signal: AbortSignal.abort() });
      assert.deepEqual(await early.wait(), { exitCode: null, signal: null, killedBy: 'kill' });
      const killed = runner.start(h.spec(nodeFixture('hang.mjs')));
      await killed.kill();
      assert.deepEqual(await killed.wait(), { exitCode: null, signal: null, killedBy: 'kill' });
    });

    it('the timeout ends a trial that hangs: killedBy timeout', async () => {
      const started = Date.now();
      const exit = await h
        .runner()
        .start(h.spec(nodeFixture('hang.mjs'), { timeoutSeconds: 1 }))
        .wait();
      assert.equal(exit.killedBy, 'timeout');
      assert.equal(exit.exitCode, null);
      assert.ok(Date.now() - started >= 1000, 'not before the timeout');
    });

    it('kill() after the trial ended changes nothing', async () => {
      const trial = h.runner().start(h.spec([fixture('no-metrics.sh')]));
      const exit = await trial.wait();
      await trial.kill();
      assert.deepEqual(await trial.wait(), exit);
      assert.deepEqual(exit, { exitCode: 0, signal: null });
    });

    it('a program that cannot run: start does not throw, wait() reports a startError', async () => {
      let trial: RunningTrial | undefined;
      assert.doesNotThrow(() => {
        trial = h.runner().start(h.unstartable());
      });
      const exit = await trial!.wait();
      assert.equal(exit.exitCode, null);
      assert.equal(exit.signal, null);
      assert.ok(exit.startError, 'a startError says why');
    });
  });
}
