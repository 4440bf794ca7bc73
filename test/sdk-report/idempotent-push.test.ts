import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { type RunningDbManager, startDbManager } from '../../src/dbmanager/index.js';
import { rewriteSource } from '../../src/injection/index.js';
import { closeReportConnections, createMetricsReporter, reportMetrics } from '../../src/sdk/report/index.js';
import { type Database, openDatabase } from '../../src/store/index.js';
import { TcpProxy } from '../store/tcp-proxy.js';
import { testDatabases } from '../support/databases.js';

// The clients' half of idempotent pushes: every reportMetrics call, reporter batch and Python push
// carries an idempotency key, the same on every retry, so a push whose reply was lost after the
// DB manager committed it is retried and stored once. The reply is lost on purpose: a TCP proxy
// between client and DB manager cuts every connection the moment the DB manager has committed
// (its report listener runs after the commit, before the reply is sent).

const PUSH_ONCE = fileURLToPath(new URL('./fixtures/push-once-and-exit.ts', import.meta.url));
const PYTHON_DIR = fileURLToPath(new URL('../../python', import.meta.url));
const INJECT_CLIENT = fileURLToPath(
  new URL('../../python/katib_inject/katib_push_client.py', import.meta.url),
);

for (const target of await testDatabases()) {
  describe(`idempotent pushes, replies lost after the commit: ${target.label}`, {
    skip: target.skipReason,
  }, () => {
    if (target.skipReason !== undefined) return;
    let db: Database;
    let manager: RunningDbManager;
    let grpcProxy: TcpProxy;
    let httpProxy: TcpProxy;
    /** Trials whose first commit cuts the connections (once per trial). */
    const cutAfterCommit = new Set<string>();
    /** Trials whose first commit takes the DB manager away for this many ms (once per trial). */
    const awayAfterCommit = new Map<string, number>();
    /** Every committed report the DB manager's listeners heard of, by trial. */
    const heard = new Map<string, number>();

    before(async () => {
      db = await openDatabase(target.url, { connectTimeoutSeconds: 10 });
      manager = await startDbManager({ db, grpcListen: '127.0.0.1:0', httpListen: '127.0.0.1:0' });
      const [grpcPort, httpPort] = [manager.grpcAddress, manager.httpAddress as string].map((a) =>
        Number(a.split(':').at(-1)),
      );
      grpcProxy = new TcpProxy('127.0.0.1', grpcPort as number);
      httpProxy = new TcpProxy('127.0.0.1', httpPort as number);
      await grpcProxy.start();
      await httpProxy.start();
      manager.service.onReported((trialName) => {
        heard.set(trialName, (heard.get(trialName) ?? 0) + 1);
        const awayMs = cutAfterCommit.delete(trialName) ? 0 : awayAfterCommit.get(trialName);
        if (awayMs === undefined) return;
        awayAfterCommit.delete(trialName);
        // Synchronously, before the reply leaves: the client never sees it.
        for (const proxy of [grpcProxy, httpProxy]) {
          void proxy
            .stop()
            .then(() => new Promise((resolve) => setTimeout(resolve, awayMs)))
            .then(() => proxy.start());
        }
      });
    });
    after(async () => {
      await closeReportConnections();
      await grpcProxy?.stop();
      await httpProxy?.stop();
      await manager?.close();
      await db?.close();
    });

    const grpcAddress = () => `127.0.0.1:${grpcProxy.port}`;
    const values = async (trialName: string) => (await db.observations.get(trialName)).map((l) => l.value);
    const keysOf = async (trialName: string) =>
      (
        await sql<{
          n: number | string;
        }>`SELECT COUNT(*) AS n FROM idempotency_keys WHERE trial_name = ${trialName}`.execute(db.kysely)
      ).rows.map((r) => Number(r.n))[0];
    let seq = 0;
    const trial = (label: string) => `${label}-${process.pid}-${++seq}`;

    it('reportMetrics: the retry of a call whose reply was lost is stored once', async () => {
      const t = trial('report');
      cutAfterCommit.add(t);
      await reportMetrics(
        { loss: 0.25, accuracy: 0.5 },
        { trialName: t, dbManagerAddress: grpcAddress(), timeout: 20 },
      );
      assert.equal(cutAfterCommit.has(t), false, 'the connection was not cut');
      assert.deepEqual((await values(t)).sort(), ['0.25', '0.5']);
      assert.equal(heard.get(t), 1);
      assert.equal(await keysOf(t), 1);
      // Each call has a key of its own.
      await reportMetrics({ loss: 0.25 }, { trialName: t, dbManagerAddress: grpcAddress(), timeout: 20 });
      assert.equal(await keysOf(t), 2);
      assert.equal((await values(t)).length, 3);
    });

    it('createMetricsReporter: a batch whose reply was lost is stored once, each batch with its own key', async () => {
      const t = trial('reporter');
      cutAfterCommit.add(t);
      const reporter = createMetricsReporter({ trialName: t, dbManagerAddress: grpcAddress(), timeout: 20 });
      for (let i = 0; i < 10; i++) reporter.report({ step: i });
      await reporter.flush();
      for (let i = 10; i < 20; i++) reporter.report({ step: i });
      await reporter.close();
      assert.equal(cutAfterCommit.has(t), false, 'the connection was not cut');
      const got = (await values(t)).map(Number).sort((a, b) => a - b);
      assert.deepEqual(
        got,
        Array.from({ length: 20 }, (_, i) => i),
      );
      assert.equal(await keysOf(t), heard.get(t));
      assert.ok((heard.get(t) ?? 0) >= 2);
    });

    it('a trial process that exits right after reportMetrics resolved has its point stored', async () => {
      const t = trial('exit');
      const { code, stderr } = await run(process.execPath, ['--import', 'tsx', PUSH_ONCE, '0.125'], {
        KATIB_TRIAL_NAME: t,
        KATIB_DB_MANAGER_ADDRESS: grpcAddress(),
      });
      assert.equal(code, 0, stderr);
      assert.deepEqual(await values(t), ['0.125']);
      assert.equal(await keysOf(t), 1);
    });

    it('python/katib_push.py: report_metrics then exit stores the point, once even when its reply was lost', async () => {
      const t = trial('python');
      cutAfterCommit.add(t);
      const script = [
        'import os, katib_push',
        'katib_push.report_metrics({"loss": 0.75}, timeout=20)',
        'r = katib_push.MetricsReporter(timeout=20, batch_size=5)',
        'for i in range(12): r.report({"step": i})',
        'r.flush()',
        'os._exit(0)',
      ].join('\n');
      const { code, stderr } = await run('python3', ['-c', script], {
        PYTHONPATH: PYTHON_DIR,
        KATIB_TRIAL_NAME: t,
        KATIB_DB_MANAGER_HTTP_ADDRESS: `127.0.0.1:${httpProxy.port}`,
      });
      assert.equal(code, 0, stderr);
      assert.equal(cutAfterCommit.has(t), false, 'the connection was not cut');
      const got = await values(t);
      assert.equal(got.filter((v) => v === '0.75').length, 1, String(got));
      assert.deepEqual(
        got
          .filter((v) => v !== '0.75')
          .map(Number)
          .sort((a, b) => a - b),
        Array.from({ length: 12 }, (_, i) => i),
      );
      assert.equal(await keysOf(t), heard.get(t));
    });

    it('the Python client that katib inject adds: a batch whose reply was lost is stored once', async () => {
      const t = trial('inject');
      cutAfterCommit.add(t);
      // The client as the runtime shim loads it; it sends what is queued at exit.
      const script = [
        `exec(open(${JSON.stringify(INJECT_CLIENT)}).read())`,
        'for i in range(3): _katib_push.report("loss", i / 4)',
      ].join('\n');
      const { code, stderr } = await run('python3', ['-c', script], {
        KATIB_TRIAL_NAME: t,
        KATIB_DB_MANAGER_HTTP_ADDRESS: `127.0.0.1:${httpProxy.port}`,
        KATIB_PUSH_TIMEOUT: '20',
      });
      assert.equal(code, 0, stderr);
      assert.equal(cutAfterCommit.has(t), false, 'the connection was not cut');
      assert.deepEqual((await values(t)).sort(), ['0.0', '0.25', '0.5']);
      assert.equal(await keysOf(t), heard.get(t));
    });

    it('the JavaScript client that katib inject adds: process.exit() mid-retry sends the batch in flight once', async () => {
      const t = trial('inject-js');
      // The batch's reply is lost and the DB manager stays away while the program exits: the exit
      // handler sends the batch in flight again, with its key, once the DB manager is back.
      awayAfterCommit.set(t, 3000);
      const program = "console.log('loss=' + 0.5);\nsetTimeout(() => process.exit(0), 1500);";
      const rewritten = rewriteSource(program, { language: 'javascript', metricNames: ['loss'] });
      const { code, stderr } = await run(process.execPath, ['-e', rewritten.source], {
        KATIB_TRIAL_NAME: t,
        KATIB_DB_MANAGER_HTTP_ADDRESS: `127.0.0.1:${httpProxy.port}`,
        KATIB_PUSH_TIMEOUT: '20',
      });
      assert.equal(code, 0, stderr);
      assert.equal(awayAfterCommit.has(t), false, 'the connection was not cut');
      assert.deepEqual(await values(t), ['0.5']);
      assert.equal(await keysOf(t), 1);
    });
  });
}

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KATIB_')));
    const child = spawn(command, args, { env: { ...base, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
