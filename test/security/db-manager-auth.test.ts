/**
 * The DB manager with authentication on, over real sockets: who may push, read and delete, on the
 * gRPC port (grpc-js client) and the Connect JSON port (fetch); nothing is stored or deleted by a
 * refused call; health stays open; with auth off nothing changes for Katib's clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DbManagerAuth, type RunningDbManager, startDbManager } from '../../src/dbmanager/index.js';
import { closeReportConnections, PushRejectedError, reportMetrics } from '../../src/sdk/report/index.js';
import { type Database, openDatabase } from '../../src/store/index.js';
import { type AvailableDatabase, testDatabases } from '../support/databases.js';
import { AuthGrpcClient, codeOf } from './grpc-auth-client.js';

const UNAUTHENTICATED = 16;
const PERMISSION_DENIED = 7;
const OPERATOR = 'operator-token-for-tests-0123456789';

const sqlite = (await testDatabases())[0] as AvailableDatabase;

describe('DB manager with --auth', () => {
  let db: Database;
  let manager: RunningDbManager;
  let grpc: AuthGrpcClient;
  let auth: DbManagerAuth;
  let httpBase: string;
  const stored = async (trial: string) => (await db.observations.get(trial, {})).length;

  before(async () => {
    db = await openDatabase(sqlite.url);
    auth = new DbManagerAuth({
      secret: Buffer.from('a test secret of enough bytes'),
      operatorToken: OPERATOR,
    });
    manager = await startDbManager({ db, grpcListen: '127.0.0.1:0', httpListen: '127.0.0.1:0', auth });
    grpc = new AuthGrpcClient(manager.grpcAddress);
    httpBase = `http://${manager.httpAddress}`;
  });
  after(async () => {
    grpc.close();
    await closeReportConnections();
    await manager.close();
    await db.close();
  });

  it("gRPC ReportObservationLog: no token UNAUTHENTICATED, another trial's or a forged token PERMISSION_DENIED, nothing stored", async () => {
    const trial = 'trial-a';
    assert.equal(await codeOf(grpc.report(undefined, trial)), UNAUTHENTICATED);
    assert.equal(await codeOf(grpc.report(auth.tokenFor('trial-b'), trial)), PERMISSION_DENIED);
    const forged = new DbManagerAuth({ secret: Buffer.from('another secret, not the server one') });
    assert.equal(await codeOf(grpc.report(forged.tokenFor(trial), trial)), PERMISSION_DENIED);
    assert.equal(await codeOf(grpc.report('x'.repeat(43), trial)), PERMISSION_DENIED);
    // Another scheme than Bearer is no token at all.
    assert.equal(await codeOf(grpc.report(`Basic ${auth.tokenFor(trial)}`, trial)), UNAUTHENTICATED);
    assert.equal(await stored(trial), 0);

    await grpc.report(auth.tokenFor(trial), trial, '0.25');
    await grpc.report(OPERATOR, trial, '0.5');
    assert.equal(await stored(trial), 2);
  });

  it('gRPC Get/DeleteObservationLog need the operator token; a trial token is PERMISSION_DENIED', async () => {
    const trial = 'trial-read';
    await grpc.report(auth.tokenFor(trial), trial);
    assert.equal(await codeOf(grpc.get(undefined, trial)), UNAUTHENTICATED);
    assert.equal(await codeOf(grpc.get(auth.tokenFor(trial), trial)), PERMISSION_DENIED);
    assert.equal(await codeOf(grpc.delete(undefined, trial)), UNAUTHENTICATED);
    assert.equal(await codeOf(grpc.delete(auth.tokenFor(trial), trial)), PERMISSION_DENIED);
    assert.equal(await stored(trial), 1, 'a refused delete deletes nothing');
    const reply = await grpc.get(OPERATOR, trial);
    assert.equal(reply.observationLog?.metricLogs.length, 1);
    await grpc.delete(OPERATOR, trial);
    assert.equal(await stored(trial), 0);
  });

  it('health stays open', async () => {
    assert.equal(((await grpc.check()) as { status: number }).status, 1);
    const res = await fetch(`${httpBase}/healthz`);
    assert.equal(res.status, 200);
  });

  it('Connect JSON: the same rules and codes on the HTTP port', async () => {
    const post = async (method: string, body: unknown, token?: string) => {
      const res = await fetch(`${httpBase}/api.v1.beta1.DBManager/${method}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as { code?: string };
      return { status: res.status, code: json.code };
    };
    const trial = 'trial-json';
    const report = {
      trialName: trial,
      observationLog: {
        metricLogs: [{ timeStamp: '2026-01-01T00:00:00Z', metric: { name: 'loss', value: '1' } }],
      },
    };
    assert.deepEqual(await post('ReportObservationLog', report), { status: 401, code: 'unauthenticated' });
    assert.deepEqual(await post('ReportObservationLog', report, auth.tokenFor('other')), {
      status: 403,
      code: 'permission_denied',
    });
    assert.equal(await stored(trial), 0);
    assert.deepEqual(await post('ReportObservationLog', report, auth.tokenFor(trial)), {
      status: 200,
      code: undefined,
    });
    assert.equal(await stored(trial), 1);
    assert.deepEqual(await post('GetObservationLog', { trialName: trial }), {
      status: 401,
      code: 'unauthenticated',
    });
    assert.deepEqual(await post('GetObservationLog', { trialName: trial }, auth.tokenFor(trial)), {
      status: 403,
      code: 'permission_denied',
    });
    assert.deepEqual(await post('DeleteObservationLog', { trialName: trial }, auth.tokenFor(trial)), {
      status: 403,
      code: 'permission_denied',
    });
    assert.equal(await stored(trial), 1);
    assert.equal((await post('GetObservationLog', { trialName: trial }, OPERATOR)).status, 200);
    assert.equal((await post('DeleteObservationLog', { trialName: trial }, OPERATOR)).status, 200);
    assert.equal(await stored(trial), 0);
  });

  it('reportMetrics sends KATIB_TRIAL_TOKEN (here options.token); without one it is rejected unauthenticated', async () => {
    const trial = 'trial-sdk';
    const address = manager.grpcAddress;
    await assert.rejects(
      reportMetrics({ loss: 1 }, { trialName: trial, dbManagerAddress: address }),
      (err) => {
        assert.ok(err instanceof PushRejectedError);
        assert.equal(err.code, 'unauthenticated');
        return true;
      },
    );
    await assert.rejects(
      reportMetrics({ loss: 1 }, { trialName: trial, dbManagerAddress: address, token: auth.tokenFor('x') }),
      { code: 'permission_denied' },
    );
    await reportMetrics(
      { loss: 0.5 },
      { trialName: trial, dbManagerAddress: address, token: auth.tokenFor(trial) },
    );
    assert.equal(await stored(trial), 1);
  });

  it('mounted HTTP routes (the dashboard) need the operator token: Bearer, or a cookie set from ?token=', async () => {
    manager.httpRoutes!.mount('/ui', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('dashboard');
    });
    const none = await fetch(`${httpBase}/ui/experiments`);
    assert.equal(none.status, 401);
    assert.match(await none.text(), /\?token=<operator token>/);
    assert.equal(
      (await fetch(`${httpBase}/ui/x`, { headers: { authorization: `Bearer ${auth.tokenFor('t')}` } }))
        .status,
      403,
    );
    const bearer = await fetch(`${httpBase}/ui/x`, { headers: { authorization: `Bearer ${OPERATOR}` } });
    assert.equal(bearer.status, 200);
    assert.equal(await bearer.text(), 'dashboard');

    assert.equal(
      (await fetch(`${httpBase}/ui/?token=wrong-token-wrong-token`, { redirect: 'manual' })).status,
      403,
    );
    const link = await fetch(`${httpBase}/ui/experiment?name=e1&token=${OPERATOR}`, { redirect: 'manual' });
    assert.equal(link.status, 303);
    assert.equal(link.headers.get('location'), '/ui/experiment?name=e1', 'the token leaves the address bar');
    const cookie = link.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^katib_token=[^;]+; Path=\/; HttpOnly; SameSite=Strict$/);
    const withCookie = await fetch(`${httpBase}/ui/experiment?name=e1`, {
      headers: { cookie: cookie.split(';')[0]! },
    });
    assert.equal(withCookie.status, 200);
    assert.equal((await fetch(`${httpBase}/ui/x`, { headers: { cookie: 'katib_token=nope' } })).status, 403);
  });
});

describe('DB manager with auth off (the default)', () => {
  let db: Database;
  let manager: RunningDbManager;
  let grpc: AuthGrpcClient;
  before(async () => {
    db = await openDatabase(await sqlite.fresh());
    manager = await startDbManager({ db, grpcListen: '127.0.0.1:0', httpListen: '127.0.0.1:0' });
    grpc = new AuthGrpcClient(manager.grpcAddress);
  });
  after(async () => {
    grpc.close();
    await manager.close();
    await db.close();
  });

  it('serves every call without metadata, as Katib does; a token sent anyway is ignored', async () => {
    await grpc.report(undefined, 't1');
    await grpc.report('anything-at-all-here', 't1');
    assert.equal((await grpc.get(undefined, 't1')).observationLog?.metricLogs.length, 2);
    await grpc.delete(undefined, 't1');
    assert.equal((await db.observations.get('t1', {})).length, 0);
    assert.equal(manager.auth, undefined);
    manager.httpRoutes!.mount('/ui', (_req, res) => res.writeHead(200).end('open'));
    assert.equal((await fetch(`http://${manager.httpAddress}/ui/`)).status, 200);
  });
});
