import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  createMetricsReporter,
  InvalidMetricError,
  PushRejectedError,
  PushTimeoutError,
  type ReportMetricsError,
} from '../../src/sdk/report/index.js';
import { freePort } from '../support/fixtures.js';
import { startTestServer, type TestServer } from './support/server.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/report-and-exit.ts', import.meta.url));
const CLOSE_FIXTURE = fileURLToPath(new URL('./fixtures/close-at-top-level.ts', import.meta.url));

describe('createMetricsReporter against the DB manager', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  const values = async (trial: string) => (await server.read(trial)).map((l) => l.value);
  const range = (n: number) => Array.from({ length: n }, (_, i) => String(i));

  it('stores 100,000 points reported in a tight loop, in order, once flushed', async () => {
    const reporter = createMetricsReporter({ trialName: 'tight-loop', dbManagerAddress: server.address });
    for (let i = 0; i < 100_000; i++) reporter.report({ step: i });
    await reporter.flush();
    assert.equal(reporter.pendingPoints, 0);
    await reporter.close();
    assert.deepEqual(await values('tight-loop'), range(100_000));
  });

  it('validates synchronously and queues nothing of a bad report', async () => {
    const reporter = createMetricsReporter({ trialName: 'sync-check', dbManagerAddress: server.address });
    assert.throws(() => reporter.report({ loss: 0.5, acc: Number.NaN }), InvalidMetricError);
    assert.equal(reporter.pendingPoints, 0);
    reporter.report({ loss: 0.5 });
    await reporter.close();
    assert.deepEqual(await values('sync-check'), ['0.5']);
    assert.throws(() => reporter.report({ loss: 1 }), /after close/);
  });

  it('applies back-pressure: false at the high-water mark, a throw at the hard cap', async () => {
    const reporter = createMetricsReporter({
      trialName: 'pressure',
      dbManagerAddress: server.address,
      highWaterMark: 100,
      maxQueuedPoints: 150,
    });
    const answers: boolean[] = [];
    for (let i = 0; i < 150; i++) answers.push(reporter.report({ i }));
    assert.equal(answers.indexOf(false), 99, 'false once 100 points are queued');
    assert.throws(
      () => reporter.report({ i: 150 }),
      (err: ReportMetricsError) => err.code === 'resource_exhausted' && /drain/.test(err.message),
    );
    await reporter.drain();
    assert.ok(reporter.report({ i: 150 }), 'accepted again after drain()');
    await reporter.close();
    assert.deepEqual(await values('pressure'), range(151));
  });

  it('surfaces a rejected batch on flush(), once, with the points it lost', async () => {
    const reporter = createMetricsReporter({ trialName: 'rejected', dbManagerAddress: server.address });
    reporter.report({ before: 1 });
    await reporter.flush();
    const huge: Record<string, number> = {};
    for (let i = 0; i <= 100_000; i++) huge[`m${i}`] = i;
    reporter.report(huge); // valid point by point; the server refuses the request
    await assert.rejects(
      reporter.flush(),
      (err: unknown) =>
        err instanceof PushRejectedError &&
        err.code === 'resource_exhausted' &&
        err.lostPoints === 100_001 &&
        /^100001 metric points were not stored/.test(err.message),
    );
    reporter.report({ after: 2 });
    await reporter.close(); // the failure was handed out already
    assert.deepEqual(await values('rejected'), ['1', '2']);
  });

  it('surfaces a batch that timed out on the next report()', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const reporter = createMetricsReporter({ trialName: 'nobody', dbManagerAddress: address, timeout: 0.3 });
    reporter.report({ a: 1, b: 2 });
    while (reporter.pendingPoints > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.throws(
      () => reporter.report({ a: 3 }),
      (err: unknown) => err instanceof PushTimeoutError && err.lostPoints === 2 && err.attempts > 1,
    );
    await reporter.close();
  });

  it('keeps reporting across a server restart: every point stored, in order', async () => {
    const reporter = createMetricsReporter({
      trialName: 'restart',
      dbManagerAddress: server.address,
      timeout: 30,
    });
    let i = 0;
    const tick = async (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end) {
        reporter.report({ i: i++ });
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    };
    await tick(200);
    await server.stop();
    await tick(700);
    await server.start();
    await tick(200);
    await reporter.close();
    const stored = (await values('restart')).map(Number);
    const seen = new Set(stored);
    assert.equal(seen.size, i, 'every point stored');
    const firsts = stored.filter((v, k) => stored.indexOf(v) === k);
    assert.deepEqual(
      firsts,
      [...firsts].sort((a, b) => a - b),
      'in report order',
    );
  });

  it('flushes at exit when the trial ends without flush()', async () => {
    const { code, stderr } = await runFixture(FIXTURE, ['5000'], { KATIB_TRIAL_NAME: 'exit-flush' });
    assert.equal(code, 0, stderr);
    assert.deepEqual(await values('exit-flush'), range(5000));
  });

  it('lets a trial await flush() and close() at top level', async () => {
    const { code, stderr } = await runFixture(CLOSE_FIXTURE, [], { KATIB_TRIAL_NAME: 'top-level' });
    assert.equal(code, 0, stderr);
    assert.deepEqual(await values('top-level'), ['1', '2']);
  });

  it('prints the failure and exits 1 when the exit flush fails', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const { code, stderr } = await runFixture(FIXTURE, ['10'], {
      KATIB_TRIAL_NAME: 'exit-fail',
      KATIB_DB_MANAGER_ADDRESS: address,
      REPORT_TIMEOUT: '0.3',
    });
    assert.equal(code, 1);
    assert.match(stderr, /10 metric points were not stored: push to the DB manager at .* failed after/);
  });

  it('says how many points process.exit() cut off, and exits 1', async () => {
    const { code, stderr } = await runFixture(FIXTURE, ['10', 'exit'], { KATIB_TRIAL_NAME: 'cut-off' });
    assert.equal(code, 1);
    assert.match(stderr, /10 metric points were never sent/);
  });

  function runFixture(
    fixture: string,
    args: string[],
    env: Record<string, string>,
  ): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], {
        env: { ...process.env, KATIB_DB_MANAGER_ADDRESS: server.address, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
  }
});
