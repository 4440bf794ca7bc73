/**
 * kill -9 of `katib run` while trials run, then the same command again (SQLite file).
 *
 * What happens to the dead controller's trials: each runs in a process group of its own, so
 * SIGKILL of the controller does not reach them: they keep running as orphans. A trial that
 * then writes to its stdout (whose reader died) gets SIGPIPE; one that pushes finds no DB manager.
 * The restarted controller's resume rule kills them (found in /proc by their KATIB_TRIAL_NAME),
 * deletes their partial logs and runs the same trials again as attempt 2. The trials wait at their
 * end while a hold file exists, so the orphans cannot finish before the resume, however slowly it
 * starts on a loaded machine.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { trialState } from '../../src/controller/index.js';
import { E2E_FIXTURES, KatibProcess, readStore } from '../e2e/cli.js';
import { waitFor } from '../support/fixtures.js';
import { conditionOf, endOf, isAlive, metric, trialProcesses } from './harness.js';

const FILE = join(E2E_FIXTURES, 'slow-trials.yaml');

describe('katib run killed with SIGKILL, then run again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'katib-kill-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('resumes: kills the orphans, reruns the cut-off trials as attempt 2, ends with exact counts', async () => {
    const dbFile = join(dir, 'katib.db');
    const args = ['run', FILE, '--db', `sqlite:${dbFile}`, '--work-dir', join(dir, 'work')];
    const first = new KatibProcess(args, { cwd: dir });
    // Kill right after a fresh trial starts (two done, two running, one of them new), so that
    // trial has most of its 2.5 s still to go when the second controller resumes.
    const firstSeen = new Map<string, number>();
    await waitFor(
      'two finished trials and a freshly started one',
      async () => {
        const running = readStore(dbFile, 'slow-trials').trials.filter((t) => trialState(t) === 'Running');
        const done = readStore(dbFile, 'slow-trials').trials.filter((t) => trialState(t) === 'Succeeded');
        // A trial first seen running under a second ago (trials take 2.5 s) has most of its run left.
        for (const t of running) if (!firstSeen.has(t.name)) firstSeen.set(t.name, Date.now());
        const fresh = running.some((t) => Date.now() - firstSeen.get(t.name)! < 1000);
        // Running is stored before the process exists (the runner spawns it asynchronously):
        // wait until every running trial's process is there, so the kill leaves orphans.
        const spawned = running.every((t) => trialProcesses(t.name).length > 0);
        return done.length >= 2 && running.length === 2 && fresh && spawned ? true : undefined;
      },
      20_000,
    );
    // From here no trial can finish until the test says so: the orphans can only end killed.
    const hold = join(dir, 'work', 'slow-trials', 'hold');
    writeFileSync(hold, '');
    first.child.kill('SIGKILL');
    assert.equal((await first.ended).signal, 'SIGKILL');

    const atKill = readStore(dbFile, 'slow-trials');
    const cutOff = atKill.trials.filter((t) => trialState(t) === 'Running');
    assert.ok(cutOff.length >= 1, 'a trial was running');
    assert.equal(endOf(atKill.experiment!).type, 'Running');
    // The orphans: still alive after their controller died (own process groups).
    const orphans = new Map(cutOff.map((t) => [t.name, trialProcesses(t.name)]));
    const alive = [...orphans.values()].flat();
    assert.ok(alive.length > 0, 'the dead controller left its trial processes running');

    const resumed = new KatibProcess(args, { cwd: dir });
    // The resume rule kills the orphans (held, they cannot end by themselves); then the reruns may
    // finish.
    await waitFor(
      'the resumed run to kill the orphans',
      async () => (alive.every((pid) => !isAlive(pid)) ? true : undefined),
      60_000,
    );
    rmSync(hold);
    const second = await resumed.ended;
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /experiment slow-trials: resuming/);

    // None of the cut-off trials' orphans finished (a finished one leaves finished-<pid> in its
    // folder).
    // (A trial's processes are its sh, whose $$ names the marker, and its sleep.)
    const killedByResume = cutOff.filter((t) => {
      const pids = orphans.get(t.name) ?? [];
      const marker = (pid: number) => existsSync(join(dir, 'work', 'slow-trials', t.name, `finished-${pid}`));
      return pids.length > 0 && !pids.some(marker);
    });
    assert.equal(killedByResume.length, cutOff.length, 'resume killed every orphan before it finished');

    const end = readStore(dbFile, 'slow-trials');
    assert.deepEqual(endOf(end.experiment!), { type: 'Succeeded', reason: 'ExperimentMaxTrialsReached' });
    const s = end.experiment!.status!;
    assert.deepEqual(
      [s.trials, s.trialsSucceeded, s.trialsFailed, s.trialsRunning, s.trialsPending],
      [6, 6, 0, 0, 0],
    );
    assert.equal(end.trials.length, 6, 'exactly maxTrialCount trials');
    assert.equal(new Set(end.trials.map((t) => t.name)).size, 6, 'no trial name twice');
    const cutNames = new Set(cutOff.map((t) => t.name));
    for (const t of end.trials) {
      assert.equal(conditionOf(t).type, 'Succeeded', t.name);
      assert.equal(t.runtime?.attempt, cutNames.has(t.name) ? 2 : 1, t.name);
      const x = t.parameterAssignments[0]!.value;
      assert.deepEqual(metric(t, 'loss'), { min: x, max: x, latest: x }, t.name);
    }
    // Each trial's log holds one run's point: nothing from the killed attempt remains.
    const db = new Sqlite(dbFile, { readonly: true });
    try {
      const counts = db
        .prepare(
          "SELECT trial_name AS name, COUNT(*) AS n FROM observation_logs WHERE metric_name = 'loss' GROUP BY trial_name",
        )
        .all() as { name: string; n: number }[];
      assert.deepEqual(
        counts.map((c) => c.n),
        Array(6).fill(1),
      );
    } finally {
      db.close();
    }
  });
});
