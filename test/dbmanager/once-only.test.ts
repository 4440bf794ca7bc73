/**
 * The once-only rule of explicit and automatic pushes (src/dbmanager/once-only.ts), on every
 * database: once a trial pushes a metric explicitly (no `katib-push-origin` header: reportMetrics,
 * katib_push, Katib's clients, curl), its automatic captures of that metric (header `automatic`:
 * injected code, shims; in-process reportLogs: pull collectors) are dropped, and the automatic
 * points stored before are deleted with the first explicit one.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startDbManager } from '../../src/dbmanager/index.js';
import { reportMetrics } from '../../src/sdk/report/index.js';
import {
  type OpenedDatabase,
  serverTestDatabases,
  startTestServer,
  type TestServer,
  uniqueTrial,
} from './harness.js';

type Origin = 'automatic' | 'explicit' | undefined;

async function push(
  httpBase: string,
  trialName: string,
  points: [string, string][],
  origin: Origin,
  key?: string,
): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (origin !== undefined) headers['katib-push-origin'] = origin;
  if (key !== undefined) headers['katib-idempotency-key'] = key;
  const res = await fetch(`${httpBase}/api.v1.beta1.DBManager/ReportObservationLog`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      trialName,
      observationLog: {
        metricLogs: points.map(([name, value]) => ({ timeStamp: '', metric: { name, value } })),
      },
    }),
  });
  return { status: res.status, body: await res.text() };
}

for (const database of await serverTestDatabases()) {
  describe(`once-only rule on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedDatabase;
    let server: TestServer;
    before(async () => {
      opened = await database.open();
      server = await startTestServer(opened.db, { groupCommit: true });
    });
    after(async () => {
      await server?.stop();
      await opened?.dispose();
    });
    const stored = async (t: string) =>
      (await opened.db.observations.get(t)).map((l) => `${l.name}=${l.value}`);
    const ok = async (r: Promise<{ status: number; body: string }>) => {
      const { status, body } = await r;
      assert.equal(status, 200, body);
    };

    it('automatic points of a metric are replaced by its first explicit point, later ones dropped', async () => {
      const t = uniqueTrial('mix');
      await ok(
        push(
          server.httpBase,
          t,
          [
            ['loss', '0.5'],
            ['acc', '0.1'],
          ],
          'automatic',
        ),
      );
      await ok(push(server.httpBase, t, [['loss', '0.4']], 'automatic'));
      assert.deepEqual(await stored(t), ['loss=0.5', 'acc=0.1', 'loss=0.4']);
      await ok(push(server.httpBase, t, [['loss', '0.51234']], undefined));
      assert.deepEqual(await stored(t), ['acc=0.1', 'loss=0.51234']);
      await ok(
        push(
          server.httpBase,
          t,
          [
            ['loss', '0.3'],
            ['acc', '0.2'],
          ],
          'automatic',
        ),
      );
      await ok(push(server.httpBase, t, [['loss', '0.41234']], 'explicit'));
      assert.deepEqual(await stored(t), ['acc=0.1', 'loss=0.51234', 'acc=0.2', 'loss=0.41234']);
    });

    it('explicit over gRPC (reportMetrics) and in-process pull writes (reportLogs) follow the rule', async () => {
      const t = uniqueTrial('grpc');
      await server.manager.service.reportLogs(t, [{ time: 1_000_000, name: 'loss', value: '9' }]);
      assert.deepEqual(await stored(t), ['loss=9']);
      await reportMetrics({ loss: 0.25 }, { trialName: t, dbManagerAddress: server.manager.grpcAddress });
      await server.manager.service.reportLogs(t, [{ time: 2_000_000, name: 'loss', value: '8' }]);
      assert.deepEqual(await stored(t), ['loss=0.25']);
    });

    it('the marks outlive the DB manager: a new one drops automatic points of marked metrics', async () => {
      const t = uniqueTrial('restart');
      await ok(push(server.httpBase, t, [['loss', '1']], undefined));
      const other = await startDbManager({
        db: opened.db,
        grpcListen: '127.0.0.1:0',
        httpListen: '127.0.0.1:0',
      });
      try {
        await ok(
          push(
            `http://${other.httpAddress}`,
            t,
            [
              ['loss', '2'],
              ['acc', '3'],
            ],
            'automatic',
          ),
        );
      } finally {
        await other.close();
      }
      assert.deepEqual(await stored(t), ['loss=1', 'acc=3']);
    });

    it('a first explicit push retried with its idempotency key is stored once', async () => {
      const t = uniqueTrial('key');
      const key = randomUUID();
      await ok(push(server.httpBase, t, [['loss', '7']], 'automatic'));
      await ok(push(server.httpBase, t, [['loss', '1']], undefined, key));
      await ok(push(server.httpBase, t, [['loss', '1']], undefined, key));
      assert.deepEqual(await stored(t), ['loss=1']);
    });

    it('deleting a trial forgets its marks', async () => {
      const t = uniqueTrial('delete');
      await ok(push(server.httpBase, t, [['loss', '1']], undefined));
      await opened.db.observations.delete(t);
      await ok(push(server.httpBase, t, [['loss', '2']], 'automatic'));
      assert.deepEqual(await stored(t), ['loss=2']);
    });

    it('automatic pushes in flight when the first explicit one arrives are deleted or dropped', async () => {
      const t = uniqueTrial('race');
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++) {
        calls.push(ok(push(server.httpBase, t, [['loss', `${i}`]], 'automatic')));
        if (i === 20) calls.push(ok(push(server.httpBase, t, [['loss', '1']], undefined)));
      }
      await Promise.all(calls);
      await ok(push(server.httpBase, t, [['loss', '2']], undefined));
      assert.deepEqual(await stored(t), ['loss=1', 'loss=2']);
    });

    it('refuses a bad katib-push-origin header, naming it, and stores nothing', async () => {
      const t = uniqueTrial('bad');
      const { status, body } = await push(server.httpBase, t, [['loss', '1']], 'sometimes' as Origin);
      assert.equal(status, 400, body);
      assert.match(JSON.parse(body).message, /katib-push-origin: "sometimes" must be automatic or explicit/);
      assert.deepEqual(await stored(t), []);
    });
  });
}
