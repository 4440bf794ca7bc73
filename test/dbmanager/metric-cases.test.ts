import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { label, NAME_CASES, VALUE_CASES } from '../cases/cases.js';
import { grpcError } from './grpc-clients.js';
import {
  type OpenedDatabase,
  postJson,
  serverTestDatabases,
  startTestServer,
  type TestServer,
  uniqueTrial,
} from './harness.js';

// The DB manager against the shared tables, through real reports over the wire: a value is
// stored exactly when test/cases/metric-values.json says `stored`, a name when
// test/cases/metric-names.json says `ok`; anything else is refused whole, naming the field.
const databases = await serverTestDatabases();
const STAMP = '2026-01-01T00:00:00Z';

for (const database of databases) {
  describe(`DB manager against test/cases on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedDatabase;
    let server: TestServer;
    before(async () => {
      opened = await database.open();
      server = await startTestServer(opened.db);
    });
    after(async () => {
      await server?.stop();
      await opened?.dispose();
    });
    const stored = async (trialName: string) =>
      (await opened.db.observations.get(trialName)).map((l) => [l.name, l.value]);

    it('stores a value over HTTP JSON and gRPC exactly when the table says stored', async () => {
      for (const c of VALUE_CASES) {
        const what = `${label(c.value)} (${c.why})`;
        const report = (trialName: string) => ({
          trialName,
          observationLog: { metricLogs: [{ timeStamp: STAMP, metric: { name: 'loss', value: c.value } }] },
        });
        const overHttp = uniqueTrial('value-http');
        const res = await postJson(server.httpBase, 'ReportObservationLog', report(overHttp));
        const overGrpc = uniqueTrial('value-grpc');
        const grpc = c.stored
          ? await server.grpc.report(report(overGrpc))
          : await grpcError(server.grpc.report(report(overGrpc)));
        if (c.stored) {
          assert.equal(res.status, 200, `${what}: ${JSON.stringify(res.json).slice(0, 200)}`);
          assert.deepEqual(await stored(overHttp), [['loss', c.value]], what);
          assert.deepEqual(await stored(overGrpc), [['loss', c.value]], what);
        } else {
          assert.equal(res.json.code, 'invalid_argument', what);
          assert.match(String(res.json.message), /^observation_log\.metric_logs\[0\]\.metric\.value: /, what);
          assert.equal((grpc as { code?: number }).code, 3, `${what} over gRPC`);
          assert.deepEqual(await stored(overHttp), [], what);
          assert.deepEqual(await stored(overGrpc), [], what);
        }
      }
    });

    it('stores a metric name over HTTP JSON exactly when the table says ok', async () => {
      // HTTP JSON carries every case (gRPC's UTF-8 strings cannot hold an unpaired surrogate).
      for (const c of NAME_CASES) {
        const what = `${label(c.name)} (${c.why})`;
        const trialName = uniqueTrial('name');
        const res = await postJson(server.httpBase, 'ReportObservationLog', {
          trialName,
          observationLog: { metricLogs: [{ timeStamp: STAMP, metric: { name: c.name, value: '1' } }] },
        });
        if (c.ok) {
          assert.equal(res.status, 200, `${what}: ${JSON.stringify(res.json).slice(0, 200)}`);
          assert.deepEqual(await stored(trialName), [[c.name, '1']], what);
        } else {
          assert.equal(res.json.code, 'invalid_argument', what);
          // An unpaired surrogate is refused earlier, by the JSON decoder (not UTF-8).
          const message = String(res.json.message);
          if (!message.includes('Metric.name from JSON: expected string: invalid UTF8')) {
            assert.match(message, /^observation_log\.metric_logs\[0\]\.metric\.name: /, what);
            assert.ok(message.includes(c.problem!), `${what}: ${message}`);
          }
          assert.deepEqual(await stored(trialName), [], what);
        }
      }
    });
  });
}
