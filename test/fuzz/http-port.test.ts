/**
 * The DB manager's HTTP port (Connect protocol) under fuzzed ReportObservationLog calls, on the
 * real stores: broken and random JSON, deep nesting, huge strings, NaN/Infinity/-0/huge exponents
 * as values, binary protobuf garbage, gzip bodies and gzip bombs. Each call must get the code the
 * reference (protobuf-es's JSON or binary reader, as Connect uses it, + validateReport) gives,
 * never `internal`; a rejected call stores nothing; the server keeps serving.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { type DbManagerLimits, resolveLimits } from '../../src/dbmanager/index.js';
import {
  type OpenedDatabase,
  postJson,
  serverTestDatabases,
  startTestServer,
  type TestServer,
  uniqueTrial,
} from '../dbmanager/harness.js';
import { anyMessage, type Expected, expectedForJson, expectedForMessage, reportJson } from './requests.js';
import { fuzzParams, nastyName, rowCount } from './support.js';

const LIMITS: DbManagerLimits = resolveLimits({ maxMessageBytes: 64 * 1024, maxMetricLogsPerRequest: 20 });
const CONNECT: Record<number, { code: string; http: number }> = {
  [status.INVALID_ARGUMENT]: { code: 'invalid_argument', http: 400 },
  [status.RESOURCE_EXHAUSTED]: { code: 'resource_exhausted', http: 429 },
};

interface Call {
  body: Uint8Array;
  contentType: 'application/json' | 'application/proto';
  gzip: boolean;
  /** The gzipped body, made once (for the bombs). */
  gzipped?: Uint8Array;
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const BOMBS: Call[] = [1, 4].map((mib) => {
  const body = utf8(`{"trialName":"${'a'.repeat(mib * 1024 * 1024)}"}`);
  return { body, contentType: 'application/json', gzip: true, gzipped: gzipSync(body) };
});
const JSONISH = [...'{}[]",:\\0123456789eE.-+ nulltruefalse\u0000\ud800é'];

/** JSON text edited at random places. */
const brokenJson = fc
  .tuple(
    reportJson,
    fc.array(fc.tuple(fc.constantFrom('cut', 'insert', 'delete'), fc.nat(), fc.constantFrom(...JSONISH)), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([text, edits]) => {
    let out = text;
    for (const [kind, at, ch] of edits) {
      const i = at % (out.length + 1);
      if (kind === 'cut') out = out.slice(0, i);
      else if (kind === 'insert') out = out.slice(0, i) + ch + out.slice(i);
      else out = out.slice(0, i) + out.slice(i + 1);
    }
    return out;
  });

/** A report whose metric value is any JSON token: numbers of every size, NaN, objects. */
const oddValue = fc
  .oneof(
    fc.constantFrom(
      'NaN',
      'Infinity',
      '-Infinity',
      '-0',
      '1e999',
      '-1e-999',
      '1e309',
      '0.1',
      '"-0"',
      '"1e999"',
      'null',
      'true',
    ),
    fc.json({ depthSize: 'small' }),
    fc.double().map((d) => JSON.stringify(String(d))),
  )
  .map(
    (token) =>
      `{"trialName":"t-odd","observationLog":{"metricLogs":[{"metric":{"name":"loss","value":${token}}}]}}`,
  );

/** Arrays nested `depth` deep, where a field is unknown (ignored) or where a message belongs. */
const deep = fc
  .tuple(fc.integer({ min: 1, max: 40_000 }), fc.constantFrom('unknown', 'metricLogs', 'trialName'))
  .map(([depth, where]) => {
    const nest = '['.repeat(depth) + ']'.repeat(depth);
    if (where === 'unknown') return `{"trialName":"t-deep","observationLog":{},"x":${nest}}`;
    if (where === 'metricLogs') return `{"trialName":"t-deep","observationLog":{"metricLogs":${nest}}}`;
    return `{"trialName":${nest}}`;
  });

const jsonText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: reportJson },
  { weight: 3, arbitrary: brokenJson },
  { weight: 2, arbitrary: oddValue },
  deep,
  fc.json(),
  fc.string({ maxLength: 40, unit: 'binary' }),
  nastyName.map((name) =>
    JSON.stringify({ trialName: name, observationLog: { metricLogs: [{ metric: { name, value: '1' } }] } }),
  ),
  fc
    .constantFrom(70_000, 60_000)
    .map((n) => JSON.stringify({ trialName: 'x'.repeat(n), observationLog: {} })),
);

const call: fc.Arbitrary<Call> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.tuple(jsonText, fc.boolean()).map(([text, gzip]) => ({
      body: utf8(text),
      contentType: 'application/json' as const,
      gzip: gzip && text.length % 4 === 0,
    })),
  },
  anyMessage.map((body) => ({ body, contentType: 'application/proto' as const, gzip: false })),
  // A gzip bomb: a few KiB that inflate past the limit.
  fc.constantFrom(...BOMBS),
);

function expected({ body, contentType }: Call): Expected {
  if (body.length > LIMITS.maxMessageBytes) return { status: status.RESOURCE_EXHAUSTED, rows: 0 };
  return contentType === 'application/json'
    ? expectedForJson(body, LIMITS)
    : expectedForMessage(body, LIMITS);
}

async function send(
  httpBase: string,
  { body, contentType, gzip, gzipped }: Call,
): Promise<{ http: number; json: Record<string, unknown> }> {
  const res = await fetch(`${httpBase}/api.v1.beta1.DBManager/ReportObservationLog`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
    body: gzip ? (gzipped ?? gzipSync(body)) : body,
  });
  const text = await res.text();
  if (res.status === 200 && contentType === 'application/proto') return { http: 200, json: {} };
  return { http: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const databases = await serverTestDatabases();

for (const database of databases) {
  const runs = database.name.startsWith('sqlite') ? 150 : 30;
  describe(`HTTP port under fuzzed reports on ${database.name}`, { skip: database.skip }, () => {
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

    it('answers each call with its reference code (never internal), stores exactly what it accepts, keeps serving', async () => {
      const seen = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 3 }), async (calls) => {
          const before = await rowCount(opened.db);
          const replies = await Promise.all(calls.map((c) => send(server.httpBase, c)));
          let stored = 0;
          replies.forEach((reply, i) => {
            const want = expected(calls[i]!);
            seen.set(reply.http, (seen.get(reply.http) ?? 0) + 1);
            const shown = JSON.stringify(reply.json).slice(0, 300);
            assert.notEqual(reply.http, 500, shown);
            if (want.status === status.OK) {
              assert.equal(reply.http, 200, shown);
              stored += want.rows;
            } else {
              const { code, http } = CONNECT[want.status]!;
              assert.equal(reply.http, http, shown);
              assert.equal(reply.json.code, code, shown);
              assert.equal(typeof reply.json.message, 'string');
            }
          });
          assert.equal(
            await rowCount(opened.db),
            before + stored,
            'rows stored = rows of the accepted calls',
          );
          const trialName = uniqueTrial('after-garbage');
          const ok = await postJson(server.httpBase, 'ReportObservationLog', {
            trialName,
            observationLog: { metricLogs: [{ metric: { name: 'loss', value: '0.5' } }] },
          });
          assert.equal(ok.status, 200);
          assert.equal((await opened.db.observations.get(trialName)).length, 1);
        }),
        fuzzParams(runs),
      );
      if (process.env.KATIB_FUZZ_VERBOSE) console.log(JSON.stringify([...seen]));
      for (const http of [200, 400, 429]) assert.ok((seen.get(http) ?? 0) > 0, `HTTP ${http} never seen`);
    });

    it('answers garbage to GetObservationLog and DeleteObservationLog with client codes, deleting nothing by mistake', async () => {
      const keep = uniqueTrial('keep');
      await postJson(server.httpBase, 'ReportObservationLog', {
        trialName: keep,
        observationLog: { metricLogs: [{ metric: { name: 'loss', value: '1' } }] },
      });
      const request = fc.oneof(
        jsonText,
        fc
          .record(
            {
              trialName: nastyName,
              metricName: nastyName,
              startTime: fc.string({ maxLength: 30 }),
              endTime: fc.string({ maxLength: 30 }),
            },
            { requiredKeys: [] },
          )
          .map((r) => JSON.stringify(r)),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GetObservationLog', 'DeleteObservationLog'),
          request,
          async (method, text) => {
            const res = await fetch(`${server.httpBase}/api.v1.beta1.DBManager/${method}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: text,
            });
            const body = await res.text();
            assert.ok(
              [200, 400, 429].includes(res.status),
              `${method}: HTTP ${res.status} ${body.slice(0, 200)}`,
            );
            if (res.status !== 200) assert.match(body, /"code":"(invalid_argument|resource_exhausted)"/);
          },
        ),
        fuzzParams(runs),
      );
      assert.equal((await opened.db.observations.get(keep)).length, 1);
    });
  });
}
