import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatRfc3339, tryParseRfc3339 } from '../../src/api/time.js';
import {
  closeReportConnections,
  InvalidMetricError,
  MissingTrialNameError,
  PushRejectedError,
  PushTimeoutError,
  reportMetrics,
} from '../../src/sdk/report/index.js';
import { freePort } from '../support/fixtures.js';
import { startTestServer, type TestServer } from './support/server.js';

describe('reportMetrics against the DB manager', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await closeReportConnections();
    await server.close();
  });

  it('stores every metric exactly, with one microsecond time stamp, durable on return', async () => {
    const before = Date.now() * 1000;
    await reportMetrics(
      { loss: 0.25, accuracy: '0.93', step: 7, tiny: 1e-7 },
      {
        trialName: 'exact',
        dbManagerAddress: server.address,
      },
    );
    const after = Date.now() * 1000 + 1000;
    const logs = await server.read('exact');
    assert.deepEqual(
      logs.map(({ name, value }) => [name, value]),
      [
        ['loss', '0.25'],
        ['accuracy', '0.93'],
        ['step', '7'],
        ['tiny', '1e-7'],
      ],
    );
    const time = logs[0]?.time as number;
    assert.ok(
      logs.every((l) => l.time === time),
      'one time stamp for one call',
    );
    assert.ok(time >= before && time <= after, `${formatRfc3339(time)} is now`);
    assert.notEqual(time % 1000, 0, 'sub-millisecond digits are kept (fails 1 time in 1000)');
    assert.equal(tryParseRfc3339(formatRfc3339(time)), time);
  });

  it('keeps the order of awaited reports', async () => {
    for (let i = 0; i < 200; i++) {
      await reportMetrics({ i }, { trialName: 'ordered', dbManagerAddress: server.address });
    }
    const logs = await server.read('ordered');
    assert.deepEqual(
      logs.map((l) => l.value),
      Array.from({ length: 200 }, (_, i) => String(i)),
    );
  });

  it('falls back to KATIB_TRIAL_NAME and KATIB_DB_MANAGER_ADDRESS', async () => {
    const saved = { ...process.env };
    try {
      process.env.KATIB_TRIAL_NAME = 'from-env';
      process.env.KATIB_DB_MANAGER_ADDRESS = server.address;
      await reportMetrics({ loss: 1 });
    } finally {
      process.env.KATIB_TRIAL_NAME = saved.KATIB_TRIAL_NAME;
      process.env.KATIB_DB_MANAGER_ADDRESS = saved.KATIB_DB_MANAGER_ADDRESS;
      if (saved.KATIB_TRIAL_NAME === undefined) delete process.env.KATIB_TRIAL_NAME;
      if (saved.KATIB_DB_MANAGER_ADDRESS === undefined) delete process.env.KATIB_DB_MANAGER_ADDRESS;
    }
    assert.deepEqual(
      (await server.read('from-env')).map((l) => l.value),
      ['1'],
    );
  });

  it('rejects MissingTrialNameError and InvalidMetricError before sending anything', async () => {
    const saved = process.env.KATIB_TRIAL_NAME;
    delete process.env.KATIB_TRIAL_NAME;
    try {
      await assert.rejects(
        reportMetrics({ loss: 1 }, { dbManagerAddress: server.address }),
        MissingTrialNameError,
      );
    } finally {
      if (saved !== undefined) process.env.KATIB_TRIAL_NAME = saved;
    }
    await assert.rejects(
      reportMetrics({ loss: 0.1, acc: 'high' }, { trialName: 'bad', dbManagerAddress: server.address }),
      (err: unknown) =>
        err instanceof InvalidMetricError && err.field === 'metrics.acc' && /"high"/.test(err.message),
    );
    assert.deepEqual(await server.read('bad'), [], 'nothing of a rejected call is stored');
  });

  it('rejects PushRejectedError, without retrying, when the server refuses the request', async () => {
    // 100,001 metrics in one call: past the DB manager's per-request cap (or its 4 MiB message
    // cap); valid metrics each, so only the server can refuse them.
    const metrics: Record<string, number> = {};
    for (let i = 0; i <= 100_000; i++) metrics[`m${i}`] = i;
    const started = performance.now();
    await assert.rejects(
      reportMetrics(metrics, { trialName: 'too-big', dbManagerAddress: server.address, timeout: 30 }),
      (err: unknown) =>
        err instanceof PushRejectedError && err.code === 'resource_exhausted' && /rejected/.test(err.message),
    );
    assert.ok(performance.now() - started < 10_000, 'not retried until the timeout');
    assert.deepEqual(await server.read('too-big'), []);
  });

  it('rejects PushTimeoutError after retrying until the timeout when nothing listens', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const started = performance.now();
    const err = await reportMetrics(
      { loss: 1 },
      { trialName: 't', dbManagerAddress: address, timeout: 1 },
    ).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    const elapsed = performance.now() - started;
    assert.ok(err instanceof PushTimeoutError, String(err));
    assert.equal(err.code, 'unavailable');
    assert.ok(err.attempts >= 4, `retried: ${err.attempts} attempts`);
    assert.match(err.message, new RegExp(`${err.attempts} attempts in 1 s`));
    assert.match(err.message, /ECONNREFUSED/);
    assert.equal(err.lastError.code, 'unavailable');
    assert.ok(elapsed >= 900 && elapsed < 3000, `gave up at the timeout (${Math.round(elapsed)} ms)`);
  });

  it('tells onRetry about each retry (code, attempt, wait); a listener that throws changes nothing', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const seen: { code: string; attempt: number; waitMs: number }[] = [];
    const err = await reportMetrics(
      { loss: 1 },
      {
        trialName: 't',
        dbManagerAddress: address,
        timeout: 0.5,
        onRetry: (error, attempt, waitMs) => {
          seen.push({ code: error.code, attempt, waitMs });
          throw new Error('a listener bug');
        },
      },
    ).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof PushTimeoutError, String(err));
    assert.equal(seen.length, err.attempts - 1, 'one call per retry, none after the last attempt');
    assert.deepEqual(
      seen.map((s) => s.attempt),
      seen.map((_, i) => i + 1),
    );
    for (const s of seen) {
      assert.equal(s.code, 'unavailable');
      assert.ok(s.waitMs >= 0 && s.waitMs <= 1000, `wait ${s.waitMs}`);
    }
    await assert.rejects(
      reportMetrics({ loss: 1 }, { trialName: 't', dbManagerAddress: address, onRetry: 'log' as never }),
      (e: unknown) => e instanceof InvalidMetricError && e.field === 'options.onRetry',
    );
  });

  it('keeps retrying across a server restart; every acknowledged push is stored', async () => {
    const acknowledged: number[] = [];
    let stop = false;
    const pusher = async (lane: number) => {
      for (let i = 0; !stop; i++) {
        const value = lane * 1_000_000 + i;
        await reportMetrics(
          { v: value },
          { trialName: 'restart', dbManagerAddress: server.address, timeout: 30 },
        );
        acknowledged.push(value);
      }
    };
    const lanes = [pusher(1), pusher(2), pusher(3)];
    await new Promise((resolve) => setTimeout(resolve, 200));
    await server.stop();
    const whileDown = acknowledged.length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.ok(acknowledged.length - whileDown <= 3, 'nothing is acknowledged while the server is down');
    await server.start();
    const restarted = acknowledged.length;
    while (acknowledged.length < restarted + 30) await new Promise((resolve) => setTimeout(resolve, 50));
    stop = true;
    await Promise.all(lanes);
    const stored = new Set((await server.read('restart')).map((l) => Number(l.value)));
    const lost = acknowledged.filter((v) => !stored.has(v));
    assert.deepEqual(lost, [], 'acknowledged but not stored');
  });
});
