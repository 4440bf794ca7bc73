import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import {
  credentials,
  Metadata,
  makeGenericClientConstructor,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import type { MetricLog } from '../../src/api/observation.js';
import { GroupCommitter } from '../../src/dbmanager/group-commit.js';
import { ReportObservationLogRequestSchema } from '../../src/gen/api/v1/beta1/api_pb.js';
import { DB_MANAGER_GRPC } from '../../src/rpc/index.js';
import type { ObservationStore, TrialLogs } from '../../src/store/index.js';
import {
  type OpenedDatabase,
  serverTestDatabases,
  startTestServer,
  type TestServer,
  uniqueTrial,
} from './harness.js';

// The DB manager stores a report once per `katib-idempotency-key` (gRPC metadata, or the HTTP
// header on the Connect JSON port), on every database; reports without the key are stored each
// time, as Katib's clients expect.

const HEADER = 'katib-idempotency-key';
const RULE = /must be 1 to 128 characters, each a letter, a digit or one of \. _ : -/;

type Unary = (req: unknown, metadata: Metadata, cb: (err: ServiceError | null) => void) => void;

/** A real grpc-js DBManager client that can send metadata. */
function keyedClient(address: string) {
  const Client = makeGenericClientConstructor(DB_MANAGER_GRPC, 'DBManager');
  const client = new Client(address, credentials.createInsecure()) as unknown as {
    reportObservationLog: Unary;
    close(): void;
  };
  return {
    report(trialName: string, value: string, key?: string): Promise<void> {
      const metadata = new Metadata();
      if (key !== undefined) metadata.set(HEADER, key);
      const req = create(ReportObservationLogRequestSchema, {
        trialName,
        observationLog: { metricLogs: [{ timeStamp: '', metric: { name: 'loss', value } }] },
      });
      return new Promise((resolve, reject) =>
        client.reportObservationLog.call(client, req, metadata, (err) => (err ? reject(err) : resolve())),
      );
    },
    close: () => client.close(),
  };
}

async function postReport(
  httpBase: string,
  trialName: string,
  value: string,
  key?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== undefined) headers[HEADER] = key;
  const res = await fetch(`${httpBase}/api.v1.beta1.DBManager/ReportObservationLog`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      trialName,
      observationLog: { metricLogs: [{ timeStamp: '', metric: { name: 'loss', value } }] },
    }),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const BAD_KEYS = ['', 'has space', 'semi;colon', 'slash/', 'x'.repeat(129)];

for (const database of await serverTestDatabases()) {
  describe(`DB manager idempotency keys on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedDatabase;
    let server: TestServer;
    let grpc: ReturnType<typeof keyedClient>;
    before(async () => {
      opened = await database.open();
      server = await startTestServer(opened.db);
      grpc = keyedClient(server.manager.grpcAddress);
    });
    after(async () => {
      grpc?.close();
      await server?.stop();
      await opened?.dispose();
    });

    const values = async (trialName: string) =>
      (await opened.db.observations.get(trialName)).map((l) => l.value);

    it('stores a report sent twice with one key once (gRPC, then the same key over HTTP)', async () => {
      const t = uniqueTrial('twice');
      const key = randomUUID();
      await grpc.report(t, '1', key);
      await grpc.report(t, '1', key);
      const res = await postReport(server.httpBase, t, '1', key);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.deepEqual(await values(t), ['1']);
    });

    it('stores a report sent twice with one key once over HTTP JSON', async () => {
      const t = uniqueTrial('http-twice');
      const key = `http:${randomUUID()}`;
      for (let i = 0; i < 2; i++) assert.equal((await postReport(server.httpBase, t, '7', key)).status, 200);
      assert.deepEqual(await values(t), ['7']);
    });

    it('stores one of many concurrent reports with one key, every one answered OK', async () => {
      const t = uniqueTrial('concurrent');
      const key = randomUUID();
      // Enough at once that most queue behind the first write and share one group commit.
      const calls = Array.from({ length: 24 }, (_, i) =>
        i % 3 === 0 ? postReport(server.httpBase, t, String(i), key) : grpc.report(t, String(i), key),
      );
      const results = await Promise.all(calls);
      for (const r of results) if (r !== undefined) assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal((await values(t)).length, 1);
    });

    it('stores reports with different keys, and reports without a key every time (Katib clients)', async () => {
      const t = uniqueTrial('distinct');
      await grpc.report(t, '1', randomUUID());
      await grpc.report(t, '2', randomUUID());
      await grpc.report(t, '3');
      await grpc.report(t, '3');
      const noKey = {
        trialName: t,
        observationLog: { metricLogs: [{ timeStamp: '', metric: { name: 'loss', value: '4' } }] },
      };
      await server.grpc.report(noKey);
      await server.grpc.report(noKey);
      assert.equal((await postReport(server.httpBase, t, '5')).status, 200);
      assert.equal((await postReport(server.httpBase, t, '5')).status, 200);
      assert.deepEqual((await values(t)).sort(), ['1', '2', '3', '3', '4', '4', '5', '5']);
    });

    it('rejects a bad key over gRPC with INVALID_ARGUMENT naming the header, value and rule, storing nothing', async () => {
      const t = uniqueTrial('bad-grpc');
      for (const key of BAD_KEYS) {
        const err = await grpc.report(t, '1', key).then(
          () => assert.fail(`key ${JSON.stringify(key)} was accepted`),
          (e: ServiceError) => e,
        );
        assert.equal(err.code, status.INVALID_ARGUMENT, err.details);
        assert.match(err.details, new RegExp(`^${HEADER}: "`), err.details);
        assert.ok(err.details.includes(JSON.stringify(key).slice(0, 40)), err.details);
        assert.match(err.details, RULE);
      }
      assert.deepEqual(await values(t), []);
    });

    it('rejects a bad key over HTTP JSON with invalid_argument naming the header, storing nothing', async () => {
      const t = uniqueTrial('bad-http');
      for (const key of BAD_KEYS) {
        const res = await postReport(server.httpBase, t, '1', key);
        assert.equal(res.status, 400, JSON.stringify(res.json));
        assert.equal(res.json.code, 'invalid_argument');
        assert.match(String(res.json.message), new RegExp(`^${HEADER}: `));
        assert.match(String(res.json.message), RULE);
      }
      assert.deepEqual(await values(t), []);
    });

    it('calls report listeners once per stored report, not for its repeats', async () => {
      const t = uniqueTrial('listeners');
      const heard: string[] = [];
      const stop = server.manager.service.onReported((trialName, logs) => {
        if (trialName === t) heard.push(...logs.map((l) => l.value));
      });
      try {
        const key = randomUUID();
        await grpc.report(t, '1', key);
        await grpc.report(t, '1', key);
        await grpc.report(t, '2', randomUUID());
        assert.deepEqual(heard, ['1', '2']);
      } finally {
        stop();
      }
    });

    it('stores a key once when it comes twice within one group commit', async () => {
      const t = uniqueTrial('one-batch');
      const store = opened.db.observations;
      const batches: number[] = [];
      const spy: ObservationStore = {
        report: (trialName, logs, key) => store.report(trialName, logs, key),
        reportMany: (entries: readonly TrialLogs[]) => {
          batches.push(entries.length);
          return store.reportMany(entries);
        },
        get: (trialName, query) => store.get(trialName, query),
        delete: (trialName) => store.delete(trialName),
        ping: () => store.ping(),
        close: async () => {},
      };
      const committer = new GroupCommitter(spy);
      const one = (value: string): MetricLog[] => [{ time: Date.now() * 1000, name: 'loss', value }];
      const key = randomUUID();
      // The first takes the write slot; the next three queue and are written as one batch.
      const results = await Promise.all([
        committer.report(t, one('slot'), randomUUID()),
        committer.report(t, one('first'), key),
        committer.report(t, one('unkeyed')),
        committer.report(t, one('second'), key),
      ]);
      assert.deepEqual(batches, [3]);
      assert.deepEqual(results, [true, true, true, false]);
      assert.deepEqual((await values(t)).sort(), ['first', 'slot', 'unkeyed']);
    });

    it("DeleteObservationLog removes the trial's keys: the same key stores again afterwards", async () => {
      const t = uniqueTrial('delete');
      const key = randomUUID();
      await grpc.report(t, '1', key);
      await server.grpc.delete({ trialName: t });
      await grpc.report(t, '2', key);
      assert.deepEqual(await values(t), ['2']);
    });
  });
}
