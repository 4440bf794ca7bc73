/**
 * One owner per experiment (docs/running-experiments.md, "Who runs an experiment"): two real
 * `katib run` processes on one database, on every dialect. A second run of a running experiment is
 * refused at once naming the holder, or waits with --wait; a holder killed with -9 on this host
 * holds nothing (the next run takes over at once and resumes), and a holder on another host loses
 * the lease when it expires.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Experiment } from '../../src/api/experiment.js';
import { openDatabase, SqlLeaseStore } from '../../src/store/index.js';
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

    it('a holder killed -9 on this host holds nothing: the next run takes over at once and resumes', async () => {
      const { args: first, release } = await fresh('--lease-seconds', '60');
      const holder = new KatibProcess(first, { cwd: dir });
      await holder.waitForStderr(/experiment lease: created in/, 60_000);
      holder.child.kill('SIGKILL');
      // 'exit', not the end of its output: its orphaned trials may hold the pipes open.
      await once(holder.child, 'exit');
      release();
      // Long before the 60 s expiry: the holder's pid is gone from this host.
      const resumed = await katib(first, { cwd: dir });
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stderr, /experiment lease: resuming/);
      const s = status(resumed.stdout)!;
      assert.deepEqual([s.trials, s.trialsSucceeded, s.trialsFailed], [4, 4, 0]);
    });

    it('a holder on another host keeps the lease until it expires; then a run takes over', async () => {
      const { args: first, release } = await fresh();
      release();
      const url = first[first.indexOf('--db') + 1]!;
      const database = await openDatabase(url);
      try {
        const other = { holder: 'elsewhere-1', program: 'katib server', host: 'other-host', pid: 1 };
        await new SqlLeaseStore(database.kysely, database.dialect).acquire('lease', other, 4_000);
      } finally {
        await database.close();
      }
      const refused = await katib(first, { cwd: dir });
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /experiment "lease" is run by katib server \(pid 1 on other-host\)/);
      // After the expiry, a plain run (no --wait, no manual step) takes over.
      await new Promise((r) => setTimeout(r, 5_000));
      const taken = await katib(first, { cwd: dir });
      assert.equal(taken.code, 0, taken.stderr);
      assert.deepEqual(status(taken.stdout)!.trialsSucceeded, 4);
    });
  });
}
