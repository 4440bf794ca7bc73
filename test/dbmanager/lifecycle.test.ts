import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import type { MetricLog } from '../../src/api/observation.js';
import { startDbManager } from '../../src/dbmanager/index.js';
import { HealthCheckResponse_ServingStatus } from '../../src/gen/grpc/health/v1/health_pb.js';
import type { ObservationStore } from '../../src/store/observation-store.js';
import { grpcError, TestGrpcClient } from './grpc-clients.js';
import { postJson, serverTestDatabases, startTestServer, uniqueTrial } from './harness.js';

const LOG = { timeStamp: '2026-01-01T00:00:00Z', metric: { name: 'loss', value: '0.5' } };

const databases = await serverTestDatabases();

for (const database of databases) {
  describe(`DB manager lifecycle on ${database.name}`, { skip: database.skip }, () => {
    it('turns NOT_SERVING and answers UNAVAILABLE while the database is down', async () => {
      const opened = await database.open();
      const server = await startTestServer(opened.db);
      try {
        assert.equal((await server.grpc.check({})).status, HealthCheckResponse_ServingStatus.SERVING);
        const up = await fetch(`${server.httpBase}/healthz`);
        assert.deepEqual([up.status, await up.text()], [200, 'ok']);

        await opened.breakDatabase();
        assert.equal((await server.grpc.check({})).status, HealthCheckResponse_ServingStatus.NOT_SERVING);
        const dbm = await server.grpc.check({ service: 'api.v1.beta1.DBManager' });
        assert.equal(dbm.status, HealthCheckResponse_ServingStatus.NOT_SERVING);
        const down = await fetch(`${server.httpBase}/healthz`);
        assert.equal(down.status, 503);
        await down.text();

        const trialName = uniqueTrial();
        const err = await grpcError(server.grpc.report({ trialName, observationLog: { metricLogs: [LOG] } }));
        assert.equal(err.code, status.UNAVAILABLE, err.details);
        assert.match(err.details, /^observation store: /);
        const getErr = await grpcError(server.grpc.get({ trialName }));
        assert.equal(getErr.code, status.UNAVAILABLE);
        const res = await postJson(server.httpBase, 'DeleteObservationLog', { trialName });
        assert.deepEqual([res.status, res.json.code], [503, 'unavailable']);
      } finally {
        await server.stop();
        await opened.dispose();
      }
    });

    it('lets an in-flight report finish on close, then refuses new calls, leaving the database open', async () => {
      const opened = await database.open();
      const gate = slowStore(opened.db.observations, 300);
      const server = await startTestServer({ ...opened.db, observations: gate.store });
      const trialName = uniqueTrial('drain');
      try {
        const inFlight = server.grpc.report({ trialName, observationLog: { metricLogs: [LOG] } });
        await gate.entered;
        const closed = server.manager.close();
        await inFlight;
        await closed;
        assert.equal((await opened.db.observations.get(trialName)).length, 1);
        await opened.db.ping();

        const late = new TestGrpcClient(server.manager.grpcAddress);
        const err = await grpcError(late.report({ trialName, observationLog: { metricLogs: [LOG] } }));
        assert.equal(err.code, status.UNAVAILABLE);
        late.close();
        await assert.rejects(fetch(`${server.httpBase}/healthz`));
      } finally {
        await server.stop();
        await opened.dispose();
      }
    });

    it('cuts calls still running when the drain time is up', async () => {
      const opened = await database.open();
      const gate = slowStore(opened.db.observations, 5_000);
      const server = await startTestServer(
        { ...opened.db, observations: gate.store },
        { drainTimeoutMs: 100 },
      );
      try {
        const inFlight = grpcError(
          server.grpc.report({ trialName: uniqueTrial(), observationLog: { metricLogs: [LOG] } }),
        );
        await gate.entered;
        const started = Date.now();
        await server.manager.close();
        assert.ok(Date.now() - started < 2_000, 'close waited past its drain timeout');
        // A stream reset by the server reads as CANCELLED in grpc-js, a lost connection as UNAVAILABLE.
        const code = (await inFlight).code;
        assert.ok(code === status.CANCELLED || code === status.UNAVAILABLE, `code ${code}`);
      } finally {
        await server.stop();
        gate.release();
        await opened.dispose();
      }
    });
  });
}

describe('DB manager HTTP port and addresses', () => {
  const sqlite = databases[0]!;

  it('serves mounted handlers, longest prefix first, and 404 otherwise', async () => {
    const opened = await sqlite.open();
    const server = await startTestServer(opened.db, {
      httpHandlers: { '/ui': (_req, res) => res.end('ui') },
    });
    try {
      server.manager.httpRoutes!.mount('/ui/api/', (req, res) => res.end(`api ${req.url}`));
      server.manager.httpRoutes!.mount('/broken', () => {
        throw new Error('boom');
      });
      const text = async (path: string) => {
        const res = await fetch(`${server.httpBase}${path}`);
        return `${res.status} ${await res.text()}`;
      };
      assert.equal(await text('/ui'), '200 ui');
      assert.equal(await text('/ui/index.html'), '200 ui');
      assert.equal(await text('/ui/api/x?y=1'), '200 api /ui/api/x?y=1');
      assert.equal(await text('/uix'), '404 not found\n');
      assert.equal(await text('/broken'), '500 internal error: boom\n');
      assert.equal(await text('/healthz'), '200 ok');
    } finally {
      await server.stop();
      await opened.dispose();
    }
  });

  it('runs without HTTP when httpListen is null', async () => {
    const opened = await sqlite.open();
    const manager = await startDbManager({ db: opened.db, grpcListen: '127.0.0.1:0', httpListen: null });
    try {
      assert.equal(manager.httpAddress, null);
      assert.equal(manager.httpRoutes, null);
      assert.match(manager.grpcAddress, /^127\.0\.0\.1:\d+$/);
    } finally {
      await manager.close();
      await opened.dispose();
    }
  });

  it('rejects a bad address and a port in use with errors that say which', async () => {
    const opened = await sqlite.open();
    await assert.rejects(startDbManager({ db: opened.db, grpcListen: 'localhost' }), {
      code: 'invalid_argument',
      message: /^grpcListen: "localhost" must be HOST:PORT/,
    });
    await assert.rejects(
      startDbManager({ db: opened.db, grpcListen: '127.0.0.1:0', httpListen: '1.2.3.4:99999' }),
      {
        code: 'invalid_argument',
        message: /^httpListen: "1\.2\.3\.4:99999" must be HOST:PORT/,
      },
    );
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await assert.rejects(
        startDbManager({ db: opened.db, grpcListen: '127.0.0.1:0', httpListen: `127.0.0.1:${port}` }),
        {
          code: 'unavailable',
          message: new RegExp(`cannot listen for HTTP on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
        },
      );
    } finally {
      blocker.close();
      await opened.dispose();
    }
  });
});

/** Delegates to `store`, holding each report for `delayMs` (to have a call in flight). */
function slowStore(store: ObservationStore, delayMs: number) {
  let signal!: () => void;
  const entered = new Promise<void>((resolve) => {
    signal = resolve;
  });
  const timers = new Set<NodeJS.Timeout>();
  const hold = () =>
    new Promise<void>((resolve) => {
      signal();
      const timer = setTimeout(resolve, delayMs);
      timers.add(timer);
    });
  const wrapped: ObservationStore = {
    report: async (trialName: string, logs: readonly MetricLog[], key?: string) => {
      await hold();
      return store.report(trialName, logs, key);
    },
    reportMany: async (entries) => {
      await hold();
      return store.reportMany(entries);
    },
    get: (trialName, query) => store.get(trialName, query),
    delete: (trialName) => store.delete(trialName),
    ping: () => store.ping(),
    close: () => store.close(),
  };
  return { store: wrapped, entered, release: () => timers.forEach(clearTimeout) };
}
