/**
 * The DB manager's limits: defaults, their checks, and each one enforced on both ports with the
 * right code and nothing stored (request limits on every store; connection and stream caps on
 * SQLite, where the store plays no part).
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { KatibError } from '../../src/api/errors.js';
import {
  type DbManagerLimits,
  DEFAULT_LIMITS,
  resolveLimits,
  startDbManager,
} from '../../src/dbmanager/index.js';
import { openDatabase } from '../../src/store/index.js';
import { grpcFrame, rawGrpcCall } from '../fuzz/support.js';
import { grpcError } from './grpc-clients.js';
import {
  type OpenedDatabase,
  postJson,
  serverTestDatabases,
  startTestServer,
  type TestServer,
  uniqueTrial,
} from './harness.js';

const CHECK = '/grpc.health.v1.Health/Check';

describe('resolveLimits', () => {
  it('keeps the defaults for what is not given', () => {
    assert.deepEqual(resolveLimits(), DEFAULT_LIMITS);
    assert.deepEqual(DEFAULT_LIMITS, {
      maxNameLength: 255,
      maxMetricLogsPerRequest: 100_000,
      maxMessageBytes: 4 * 1024 * 1024,
      maxConnections: 1000,
      maxConcurrentStreams: 100,
      idempotencyKeyRetentionSeconds: 86_400,
    });
    assert.equal(resolveLimits({ maxConnections: 5, maxNameLength: undefined }).maxConnections, 5);
  });

  const bad: [Partial<Record<string, unknown>>, RegExp][] = [
    [{ maxNameLength: 256 }, /^limits\.maxNameLength: 256 must be a whole number from 1 to 255$/],
    [{ maxNameLength: 0 }, /^limits\.maxNameLength: 0 must be a whole number from 1 to 255$/],
    [{ maxMetricLogsPerRequest: 1.5 }, /^limits\.maxMetricLogsPerRequest: 1\.5 must be a whole number/],
    [
      { maxMessageBytes: 1023 },
      /^limits\.maxMessageBytes: 1023 must be a whole number from 1024 to 1073741824$/,
    ],
    [{ maxMessageBytes: Number.NaN }, /^limits\.maxMessageBytes: NaN must be/],
    [{ maxConnections: -1 }, /^limits\.maxConnections: -1 must be/],
    [{ maxConcurrentStreams: Number.POSITIVE_INFINITY }, /^limits\.maxConcurrentStreams: Infinity must be/],
    [{ maxConcurrentStreams: '10' }, /^limits\.maxConcurrentStreams: "10" must be/],
    [{ maxConnection: 10 }, /^limits\.maxConnection: 10 is not a limit \(maxNameLength, /],
  ];
  for (const [given, message] of bad) {
    it(`refuses ${JSON.stringify(given)} naming the field`, () => {
      assert.throws(
        () => resolveLimits(given as Partial<DbManagerLimits>),
        (err: unknown) => {
          assert.ok(err instanceof KatibError);
          assert.equal(err.code, 'invalid_argument');
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  it('startDbManager refuses a bad limit before binding a port', async () => {
    const db = await openDatabase('sqlite::memory:');
    try {
      // A taken port would fail differently: the limit is checked first.
      await assert.rejects(
        startDbManager({ db, grpcListen: '127.0.0.1:0', httpListen: null, limits: { maxConnections: 0 } }),
        { code: 'invalid_argument', message: /^limits\.maxConnections: 0 must be a whole number/ },
      );
    } finally {
      await db.close();
    }
  });
});

const LIMITS = { maxMessageBytes: 8 * 1024, maxMetricLogsPerRequest: 5, maxNameLength: 20 };
const logs = (n: number, name = 'loss') =>
  Array.from({ length: n }, (_, i) => ({ timeStamp: '', metric: { name, value: String(i) } }));

const databases = await serverTestDatabases();

for (const database of databases) {
  describe(`request limits on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedDatabase;
    let server: TestServer;
    before(async () => {
      opened = await database.open();
      server = await startTestServer(opened.db, { limits: LIMITS });
    });
    after(async () => {
      await server?.stop();
      await opened?.dispose();
    });
    const stored = (trialName: string) => opened.db.observations.get(trialName);

    it('message bytes: RESOURCE_EXHAUSTED on gRPC, resource_exhausted (429) on HTTP; nothing stored', async () => {
      const trialName = uniqueTrial('t').slice(0, 20);
      // ~9 KiB of 1,000-character time stamps: refused on its size before any field is read.
      const stamps = (n: number) => Array.from({ length: n }, () => ({ timeStamp: 'x'.repeat(1000) }));
      const over = { trialName, observationLog: { metricLogs: stamps(9) } };
      const err = await grpcError(server.grpc.report(over));
      assert.equal(err.code, status.RESOURCE_EXHAUSTED, err.details);
      assert.match(err.details, /more than the limit of 8192/);
      const http = await postJson(server.httpBase, 'ReportObservationLog', over);
      assert.equal(http.status, 429);
      assert.equal(http.json.code, 'resource_exhausted');
      assert.deepEqual(await stored(trialName), []);
      // Under the limit (5 values of 1,000 digits, ~5 KiB) the same report size is served.
      const values = logs(5).map((l, i) => ({
        ...l,
        metric: { name: 'loss', value: String(i).repeat(1000) },
      }));
      await server.grpc.report({ trialName, observationLog: { metricLogs: values } });
      const viaHttp = await postJson(server.httpBase, 'ReportObservationLog', {
        trialName,
        observationLog: { metricLogs: values },
      });
      assert.equal(viaHttp.status, 200);
      assert.equal((await stored(trialName)).length, 10);
    });

    it('metric logs per request: RESOURCE_EXHAUSTED past the cap on both ports, the cap itself stored', async () => {
      const trialName = uniqueTrial('t').slice(0, 20);
      const err = await grpcError(server.grpc.report({ trialName, observationLog: { metricLogs: logs(6) } }));
      assert.equal(err.code, status.RESOURCE_EXHAUSTED);
      assert.match(
        err.details,
        /^observation_log\.metric_logs: 6 metric logs exceed the limit of 5 per request/,
      );
      const http = await postJson(server.httpBase, 'ReportObservationLog', {
        trialName,
        observationLog: { metricLogs: logs(6) },
      });
      assert.equal(http.status, 429);
      assert.match(String(http.json.message), /6 metric logs exceed the limit of 5/);
      assert.deepEqual(await stored(trialName), []);
      await server.grpc.report({ trialName, observationLog: { metricLogs: logs(5) } });
      assert.equal((await stored(trialName)).length, 5);
    });

    it('name length: INVALID_ARGUMENT past the configured cap for trial and metric names, on every method', async () => {
      const long = 'n'.repeat(21);
      const cases = [
        { trialName: long, observationLog: { metricLogs: logs(1) } },
        { trialName: 'limits-name', observationLog: { metricLogs: logs(1, long) } },
      ];
      for (const req of cases) {
        const err = await grpcError(server.grpc.report(req));
        assert.equal(err.code, status.INVALID_ARGUMENT);
        assert.match(err.details, /must be at most 20 characters \(has 21\)$/);
        const http = await postJson(server.httpBase, 'ReportObservationLog', req);
        assert.equal(http.status, 400);
        assert.equal(http.json.code, 'invalid_argument');
      }
      assert.deepEqual(await stored('limits-name'), []);
      assert.equal((await grpcError(server.grpc.get({ trialName: long }))).code, status.INVALID_ARGUMENT);
      assert.equal((await grpcError(server.grpc.delete({ trialName: long }))).code, status.INVALID_ARGUMENT);
      await server.grpc.report({
        trialName: 'n'.repeat(20),
        observationLog: { metricLogs: logs(1, 'm'.repeat(20)) },
      });
      assert.equal((await stored('n'.repeat(20))).length, 1);
    });
  });
}

/** A raw HTTP/2 connection, settled (SETTINGS exchanged) or refused. */
function connectH2(address: string): Promise<{ session: http2.ClientHttp2Session; refused: boolean }> {
  return new Promise((resolve) => {
    const session = http2.connect(`http://${address}`);
    session.on('error', () => {});
    session.once('remoteSettings', () => resolve({ session, refused: false }));
    session.once('close', () => resolve({ session, refused: true }));
  });
}

const checkOn = async (session: http2.ClientHttp2Session) =>
  (await rawGrpcCall(session, CHECK, grpcFrame(new Uint8Array()))).status;

/** A raw HTTP/1.1 keep-alive connection that sends `GET /healthz` on demand. */
function connectHttp(address: string): Promise<{ socket: net.Socket; healthz(): Promise<string> }> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port }, () =>
      resolve({
        socket,
        healthz: () =>
          new Promise((done) => {
            let text = '';
            const onData = (chunk: Buffer) => {
              text += chunk.toString();
              if (text.endsWith('\r\n0\r\n\r\n')) finish(); // the chunked body's end
            };
            const finish = () => {
              socket.off('data', onData);
              socket.off('close', finish);
              done(text.split('\r\n', 1)[0] ?? '');
            };
            socket.on('data', onData);
            socket.once('close', finish);
            socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n`);
          }),
      }),
    );
    socket.once('error', reject);
  });
}

describe('connection and stream caps', () => {
  let db: Awaited<ReturnType<typeof openDatabase>>;
  before(async () => {
    db = await openDatabase('sqlite::memory:');
  });
  after(async () => {
    await db?.close();
  });

  it('gRPC port: past maxConnections a new connection is closed (UNAVAILABLE for a client), open ones keep working', async () => {
    const server = await startTestServer(db, { limits: { maxConnections: 2 }, httpListen: null });
    const address = server.manager.grpcAddress;
    const sessions: http2.ClientHttp2Session[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const { session, refused } = await connectH2(address);
        sessions.push(session);
        assert.equal(refused, false);
        assert.equal(await checkOn(session), status.OK);
      }
      const third = await connectH2(address);
      sessions.push(third.session);
      assert.equal(third.refused, true);
      // A gRPC client (its own connection) is refused: UNAVAILABLE, not a hang.
      const err = await grpcError(server.grpc.check({ service: '' }));
      assert.equal(err.code, status.UNAVAILABLE);
      for (const session of sessions.slice(0, 2)) assert.equal(await checkOn(session), status.OK);
      // Once one closes, a new connection is served.
      await new Promise<void>((resolve) => sessions[0]!.close(resolve));
      let again = await connectH2(address);
      for (let i = 0; again.refused && i < 20; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        again = await connectH2(address);
      }
      sessions.push(again.session);
      assert.equal(again.refused, false);
      assert.equal(await checkOn(again.session), status.OK);
    } finally {
      for (const session of sessions) session.destroy();
      await server.stop();
    }
  });

  it('HTTP port: past maxConnections a new connection is closed, open keep-alive ones keep working', async () => {
    const server = await startTestServer(db, { limits: { maxConnections: 2 } });
    const address = server.manager.httpAddress!;
    const sockets: net.Socket[] = [];
    try {
      const open = [await connectHttp(address), await connectHttp(address)];
      for (const c of open) {
        sockets.push(c.socket);
        assert.equal(await c.healthz(), 'HTTP/1.1 200 OK');
      }
      const third = await connectHttp(address);
      sockets.push(third.socket);
      assert.equal(await third.healthz(), '', 'closed without an answer');
      await assert.rejects(fetch(`${server.httpBase}/healthz`));
      for (const c of open) assert.equal(await c.healthz(), 'HTTP/1.1 200 OK');
    } finally {
      for (const socket of sockets) socket.destroy();
      await server.stop();
    }
  });

  it('gRPC port: a connection has at most maxConcurrentStreams calls in flight; the rest wait their turn', async () => {
    // The real store, with a gate in front of its writes to hold the calls in flight.
    let inFlight = 0;
    let peak = 0;
    const gate: (() => void)[] = [];
    const observations = Object.create(db.observations) as typeof db.observations;
    // Without the once-only marks, every report goes through `report` (the gate); the rule of
    // explicit and automatic pushes has tests of its own (once-only.test.ts).
    Object.defineProperty(observations, 'explicitMetrics', { value: undefined });
    observations.report = async (trialName, logs) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise<void>((resolve) => gate.push(resolve));
      inFlight--;
      return db.observations.report(trialName, logs);
    };
    const server = await startTestServer(
      { ...db, observations, ping: () => db.ping(), displayUrl: db.displayUrl },
      { limits: { maxConcurrentStreams: 2 }, groupCommit: false, httpListen: null },
    );
    const session = http2.connect(`http://${server.manager.grpcAddress}`);
    session.on('error', () => {});
    try {
      await new Promise((resolve) => session.once('remoteSettings', resolve));
      assert.equal(session.remoteSettings.maxConcurrentStreams, 2);
      const calls = Array.from({ length: 5 }, (_, i) =>
        server.grpc.report({ trialName: `streams-${i}`, observationLog: { metricLogs: logs(1) } }),
      );
      const deadline = Date.now() + 5000;
      while (gate.length < 2 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(inFlight, 2, 'two calls in flight, the others queued');
      while (gate.length > 0 || inFlight > 0) {
        gate.shift()?.();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await Promise.all(calls);
      assert.equal(peak, 2);
      for (let i = 0; i < 5; i++) assert.equal((await db.observations.get(`streams-${i}`)).length, 1);
    } finally {
      session.destroy();
      await server.stop();
    }
  });
});
