/**
 * One owner per experiment (docs/running-experiments.md, "Who runs an experiment"): two real
 * `katib run` processes on one database, on every dialect. A second run of a running experiment is
 * refused at once naming the holder, or waits with --wait; a holder killed with -9 loses the lease
 * when it expires (--lease-seconds keeps that short here), and the next run takes over and resumes.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Experiment } from '../../src/api/experiment.js';
import { testDatabases } from '../support/databases.js';
import { E2E_FIXTURES, KatibProcess, katib } from './cli.js';

const FILE = join(E2E_FIXTURES, 'lease.yaml');
const HELD =
  /experiment "lease" is run by katib run \(pid (\d+) on [^)]+\) since \d{4}-\d\d-\d\dT[\d:.]+Z, last heartbeat \d+ s ago; its lease expires in (\d+) s unless renewed\. Wait for it with --wait/;

function status(stdout: string): Experiment['status'] {
  return (JSON.parse(stdout) as Experiment).status;
}

for (const db of await testDatabases()) {
  describe(`katib run, one owner per experiment, on ${db.label}`, {
    skip: db.skipReason,
    timeout: 180_000,
  }, () => {
    if (db.skipReason !== undefined) return;
    const dir = mkdtempSync(join(tmpdir(), 'katib-lease-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    let n = 0;
    /** `katib run` arguments on a fresh database; its trials hold while `hold` exists (made here). */
    const fresh = async (...extra: string[]) => {
      const url = db.dialect === 'sqlite' ? `sqlite:${join(dir, `db-${++n}.sqlite`)}` : await db.fresh();
      const work = join(dir, `work-${++n}`);
      const hold = join(work, 'lease', 'hold');
      mkdirSync(dirname(hold), { recursive: true });
      writeFileSync(hold, '');
      const args = ['run', FILE, '--db', url, '--work-dir', work, '-o', 'json', ...extra];
      return { args, release: () => rmSync(hold, { force: true }) };
    };

    it("a second run while the first runs is refused at once, naming the holder; the first one's trials are untouched", async () => {
      const { args: first, release } = await fresh('--lease-seconds', '5');
      const holder = new KatibProcess(first, { cwd: dir });
      await holder.waitForStderr(/experiment lease: created in/, 60_000);
      // Before leases, the second run said "resuming" and killed the first one's trials.
      const started = new KatibProcess(first, { cwd: dir });
      await Promise.race([started.ended, started.waitForStderr(/resuming/, 60_000)]);
      release();
      const second = await started.ended;
      assert.equal(second.code, 1, second.stderr);
      const m = HELD.exec(second.stderr);
      assert.ok(m, second.stderr);
      assert.equal(Number(m[1]), holder.child.pid);
      assert.doesNotMatch(second.stderr, /resuming/);
      const done = await holder.ended;
      assert.equal(done.code, 0, done.stderr);
      const s = status(done.stdout)!;
      assert.deepEqual([s.trials, s.trialsSucceeded, s.trialsFailed, s.trialsKilled], [4, 4, 0, 0]);
    });

    it('--wait waits for the holder to end, then takes the experiment (finished by then)', async () => {
      const { args: first, release } = await fresh('--lease-seconds', '5');
      const holder = new KatibProcess(first, { cwd: dir });
      await holder.waitForStderr(/experiment lease: created in/, 60_000);
      const waiter = new KatibProcess([...first, '--wait'], { cwd: dir });
      await waiter.waitForStderr(
        /experiment lease is run by katib run .*: waiting for it \(--wait\)/,
        60_000,
      );
      release();
      const [a, b] = await Promise.all([holder.ended, waiter.ended]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      assert.match(b.stderr, /experiment lease: already finished/);
      assert.deepEqual(JSON.parse(b.stdout), JSON.parse(a.stdout));
    });

    it('a holder killed -9 keeps the lease until it expires; then a run takes over and resumes', async () => {
      const { args: first, release } = await fresh('--lease-seconds', '20');
      const holder = new KatibProcess(first, { cwd: dir });
      await holder.waitForStderr(/experiment lease: created in/, 60_000);
      holder.child.kill('SIGKILL');
      // 'exit', not the end of its output: its orphaned trials may hold the pipes open.
      await once(holder.child, 'exit');
      release();
      const refused = await katib(first, { cwd: dir });
      assert.equal(refused.code, 1, refused.stderr);
      const m = HELD.exec(refused.stderr);
      assert.ok(m, refused.stderr);
      // After the expiry the message gave, a plain run (no --wait, no manual step) takes over.
      await new Promise((r) => setTimeout(r, (Number(m[2]) + 1) * 1000));
      const resumed = await katib(first, { cwd: dir });
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stderr, /experiment lease: resuming/);
      const s = status(resumed.stdout)!;
      assert.deepEqual([s.trials, s.trialsSucceeded, s.trialsFailed], [4, 4, 0]);
    });
  });
}
