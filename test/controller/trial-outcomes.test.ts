/**
 * Misbehaving trials on every database: each ends in the right condition and the experiment's
 * record stays consistent. A trial that exits 1, crashes, prints garbage, hangs past
 * activeDeadlineSeconds, names a command that does not exist, floods its output, prints no
 * metric; a Push trial that reports nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type LocalKatib, startLocalKatib } from '../../src/manager/index.js';
import { testDatabases } from '../support/databases.js';
import {
  assertConsistent,
  conditionOf,
  endOf,
  experiment,
  type Finished,
  isAlive,
  metric,
  P,
  runToEnd,
  sh,
} from './harness.js';

const TRIALS = join(import.meta.dirname, '..', 'fixtures', 'trials');
const ONE = [{ name: 'x', parameterType: 'discrete', feasibleSpace: { list: ['1'] } }];
const databases = await testDatabases();

/** Live processes in process group `pgid` (zombies do not count), from /proc. */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (group === String(pgid) && state !== 'Z' && state !== 'X') members.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return members;
}

for (const database of databases) {
  describe(`misbehaving trials on ${database.label}`, { skip: database.skipReason }, () => {
    if (database.skipReason !== undefined) return;
    let katib: LocalKatib;
    let work: string;
    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'katib-ctl-'));
      katib = await startLocalKatib({ db: database.url, workRoot: work });
    });
    after(async () => {
      await katib?.close();
      rmSync(work, { recursive: true, force: true });
    });

    /** One trial of `command`; the experiment tolerates its failure and ends at maxTrialCount. */
    const single = (name: string, command: string[], extra: { activeDeadlineSeconds?: number } = {}) =>
      runToEnd(
        katib,
        experiment(name, {
          parameters: ONE,
          command,
          parallelTrialCount: 1,
          maxTrialCount: 1,
          maxFailedTrialCount: 1,
          ...extra,
        }),
      );

    it('each ends in its condition, side by side, and every experiment stays consistent', async () => {
      const node = process.execPath;
      const arg = P('x');
      const started = Date.now();
      const [exitOne, crash, garbage, hang, missing, flood, silent] = await Promise.all([
        single('exit-one', [join(TRIALS, 'exit-one.sh'), arg]),
        single('crash', [node, join(TRIALS, 'crash.mjs'), arg]),
        single('garbage', [node, join(TRIALS, 'garbage.mjs'), arg]),
        single('hang', [node, join(TRIALS, 'hang.mjs'), arg], { activeDeadlineSeconds: 1 }),
        single('missing', ['katib-test-no-such-command', arg]),
        // 8 MiB of output, then a line of 100 KiB (over the 64 KiB line cap), then the metric.
        single('flood', [node, join(TRIALS, 'flood.mjs'), '8', '100', arg]),
        single('no-metrics', [join(TRIALS, 'no-metrics.sh'), arg]),
      ]);
      const all: [string, Finished][] = [
        ['exit-one', exitOne],
        ['crash', crash],
        ['garbage', garbage],
        ['hang', hang],
        ['missing', missing],
        ['flood', flood],
        ['no-metrics', silent],
      ];
      for (const [name, f] of all) {
        // One tolerated failure (maxFailedTrialCount 1) does not fail the experiment.
        assert.deepEqual(endOf(f.final), { type: 'Succeeded', reason: 'ExperimentMaxTrialsReached' }, name);
        assert.equal(f.trials.length, 1, name);
        await assertConsistent(katib, f);
      }

      const exitC = conditionOf(exitOne.trials[0]!);
      assert.deepEqual([exitC.type, exitC.reason], ['Failed', 'TrialFailed']);
      assert.match(exitC.message, /exited with code 1.*something went wrong/);
      // A failed trial keeps what it reported, as in Katib.
      assert.equal(metric(exitOne.trials[0]!, 'loss')?.latest, '0.3');
      assert.equal(exitOne.final.status!.trialsFailed, 1);

      const crashC = conditionOf(crash.trials[0]!);
      assert.deepEqual([crashC.type, crashC.reason], ['Failed', 'TrialFailed']);
      assert.match(crashC.message, /exited with code 1/);

      // Binary garbage, CRLF and a line split across writes: the metric lines still count.
      assert.equal(conditionOf(garbage.trials[0]!).type, 'Succeeded');
      assert.equal(metric(garbage.trials[0]!, 'loss')?.latest, '0.25');

      const hangT = hang.trials[0]!;
      const hangC = conditionOf(hangT);
      assert.deepEqual([hangC.type, hangC.reason], ['Failed', 'DeadlineExceeded']);
      assert.ok(Date.now() - started < 8000, 'the deadline, not the hang, ended it');
      const pid = hangT.runtime?.pid;
      assert.ok(pid !== undefined, 'the trial recorded its pid');
      assert.equal(isAlive(pid), false);
      assert.deepEqual(groupMembers(pid), [], 'its process group is gone');

      const floodT = flood.trials[0]!;
      assert.equal(conditionOf(floodT).type, 'Succeeded', conditionOf(floodT).message);
      // The long line was cut to the cap, its `loss=9` lost with the rest: only the last line counts.
      assert.deepEqual(metric(floodT, 'loss'), { min: '0.125', max: '0.125', latest: '0.125' });
      const logBytes = readdirSync(join(work, floodT.experimentName, floodT.name))
        .filter((f) => f.startsWith('stdout.log'))
        .reduce((sum, f) => sum + statSync(join(work, floodT.experimentName, floodT.name, f)).size, 0);
      assert.ok(logBytes > 8_000_000 && logBytes < 9 * 1024 * 1024, `stdout kept on disk: ${logBytes}`);

      // A StdOut trial that printed no metric at all: Katib's rule, as for Push.
      assert.deepEqual(conditionOf(silent.trials[0]!), {
        type: 'MetricsUnavailable',
        reason: 'MetricsUnavailable',
        message: 'Metrics are not available',
      });
      assert.equal(silent.final.status!.trialMetricsUnavailable, 1);

      const missingC = conditionOf(missing.trials[0]!);
      assert.deepEqual([missingC.type, missingC.reason], ['Failed', 'TrialStartFailed']);
      assert.match(missingC.message, /katib-test-no-such-command.*not found/);
    });

    it('a Push trial that reports nothing ends MetricsUnavailable with {objective, "unavailable"} stored, and counts as failed', async () => {
      const f = await runToEnd(
        katib,
        experiment('push-silent', {
          parameters: ONE,
          // Reports nothing: no push, and no metric line for injection's pull fallback to read.
          command: sh(`echo training with x=${P('x')}`),
          metricsCollectorSpec: { collector: { kind: 'Push' } },
          maxTrialCount: 1,
          maxFailedTrialCount: 0,
        }),
      );
      const t = f.trials[0]!;
      assert.deepEqual(conditionOf(t), {
        type: 'MetricsUnavailable',
        reason: 'MetricsUnavailable',
        message: 'Metrics are not available',
      });
      assert.deepEqual(
        (await katib.db.observations.get(t.name)).map((l) => [l.name, l.value]),
        [['loss', 'unavailable']],
      );
      assert.deepEqual(metric(t, 'loss'), { min: 'unavailable', max: 'unavailable', latest: 'unavailable' });
      // 1 MetricsUnavailable > maxFailedTrialCount 0.
      assert.deepEqual(endOf(f.final), { type: 'Failed', reason: 'ExperimentFailed' });
      assert.equal(f.final.status!.trialMetricsUnavailable, 1);
      assert.equal(f.final.status!.currentOptimalTrial, undefined);
      await assertConsistent(katib, f);
    });
  });
}
