/**
 * The DB manager's gRPC port under fuzzed ReportObservationLog calls, on the real stores: random
 * bytes, broken protobuf, wrong length prefixes and flags, huge and nasty strings. Each call must
 * get the status the reference (framing rules + protobuf-es + validateReport) gives, never
 * INTERNAL; a rejected call stores nothing, an accepted one exactly its logs; and the server
 * keeps serving (a valid report afterwards succeeds).
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { type DbManagerLimits, resolveLimits } from '../../src/dbmanager/index.js';
import {
  type OpenedDatabase,
  serverTestDatabases,
  startTestServer,
  type TestServer,
  uniqueTrial,
} from '../dbmanager/harness.js';
import { anyMessage, type Expected, expectedForMessage } from './requests.js';
import { fuzzParams, grpcFrame, nastyName, rawGrpcCall, rowCount } from './support.js';

const REPORT = '/api.v1.beta1.DBManager/ReportObservationLog';
// Small limits, so that fuzzed requests reach them.
const LIMITS: DbManagerLimits = resolveLimits({ maxMessageBytes: 64 * 1024, maxMetricLogsPerRequest: 20 });

/** The framing rules of the unary server (see ServerCall), then the message's own outcome. */
function expectedForBody(body: Uint8Array): Expected {
  if (body.length === 0) return { status: status.UNIMPLEMENTED, rows: 0 };
  if (body.length < 5) return { status: status.INVALID_ARGUMENT, rows: 0 };
  if (body[0] !== 0) return { status: status.INVALID_ARGUMENT, rows: 0 };
  const declared = Buffer.from(body.buffer, body.byteOffset, body.byteLength).readUInt32BE(1);
  if (declared > LIMITS.maxMessageBytes) return { status: status.RESOURCE_EXHAUSTED, rows: 0 };
  if (body.length > 5 + declared) return { status: status.UNIMPLEMENTED, rows: 0 };
  if (body.length < 5 + declared) return { status: status.INVALID_ARGUMENT, rows: 0 };
  return expectedForMessage(body.subarray(5), LIMITS);
}

const body: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 8, arbitrary: anyMessage.map((m) => grpcFrame(m)) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        anyMessage,
        fc.integer({ min: -40, max: 40 }).filter((d) => d !== 0),
      )
      .map(([m, d]) => grpcFrame(m, Math.max(0, m.length + d))),
  },
  fc.tuple(anyMessage, fc.integer({ min: 1, max: 255 })).map(([m, flag]) => grpcFrame(m, m.length, flag)),
  fc.tuple(anyMessage, anyMessage).map(([a, b]) => Buffer.concat([grpcFrame(a), grpcFrame(b)])),
  fc
    .integer({ min: LIMITS.maxMessageBytes + 1, max: 0xffffffff })
    .map((n) => grpcFrame(new Uint8Array(8), n)),
  fc.uint8Array({ maxLength: 9 }),
  // Huge strings: a name past the message limit, and one just under it.
  fc
    .constantFrom(70_000, 60_000)
    .map((n) => grpcFrame(Buffer.concat([Buffer.from([0x0a, ...varint(n)]), Buffer.alloc(n, 0x61)]))),
);

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

const databases = await serverTestDatabases();

for (const database of databases) {
  // SQLite is local and fast; the server databases get fewer runs.
  const runs = database.name.startsWith('sqlite') ? 250 : 40;
  describe(`gRPC port under fuzzed reports on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedDatabase;
    let server: TestServer;
    let session: http2.ClientHttp2Session;
    before(async () => {
      opened = await database.open();
      server = await startTestServer(opened.db, { limits: LIMITS });
      session = http2.connect(`http://${server.manager.grpcAddress}`);
      session.on('error', () => {});
    });
    after(async () => {
      session?.close();
      await server?.stop();
      await opened?.dispose();
    });

    it('answers each call with its reference status (never INTERNAL), stores exactly what it accepts, keeps serving', async () => {
      const seen = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(fc.array(body, { minLength: 1, maxLength: 4 }), async (bodies) => {
          const before = await rowCount(opened.db);
          const replies = await Promise.all(bodies.map((b) => rawGrpcCall(session, REPORT, b)));
          let stored = 0;
          replies.forEach((reply, i) => {
            const want = expectedForBody(bodies[i]!);
            seen.set(reply.status, (seen.get(reply.status) ?? 0) + 1);
            assert.ok(!reply.broken, `no grpc-status: HTTP ${reply.httpStatus}`);
            assert.notEqual(reply.status, status.INTERNAL, reply.message);
            assert.notEqual(reply.status, status.UNKNOWN, reply.message);
            // The hand decoder is stricter than protobuf-es on broken bytes: it may refuse them.
            const stricter =
              reply.status === status.INVALID_ARGUMENT && /^request: not a valid/.test(reply.message);
            if (!stricter)
              assert.equal(reply.status, want.status, `${reply.message} (wanted ${want.status})`);
            if (reply.status === status.OK) stored += want.rows;
          });
          assert.equal(
            await rowCount(opened.db),
            before + stored,
            'rows stored = rows of the accepted calls',
          );
          // Still serving: a valid report right after.
          const trialName = uniqueTrial('after-garbage');
          await server.grpc.report({
            trialName,
            observationLog: { metricLogs: [{ timeStamp: '', metric: { name: 'loss', value: '0.5' } }] },
          });
          assert.equal((await opened.db.observations.get(trialName)).length, 1);
        }),
        fuzzParams(runs),
      );
      // Every kind of answer was exercised, not just one.
      if (process.env.KATIB_FUZZ_VERBOSE) console.log(JSON.stringify([...seen]));
      for (const code of [
        status.OK,
        status.INVALID_ARGUMENT,
        status.RESOURCE_EXHAUSTED,
        status.UNIMPLEMENTED,
      ]) {
        assert.ok((seen.get(code) ?? 0) > 0, `status ${code} never seen: ${JSON.stringify([...seen])}`);
      }
    });

    it('answers garbage to GetObservationLog, DeleteObservationLog and Health/Check with client codes, deleting nothing by mistake', async () => {
      const methods = [
        '/api.v1.beta1.DBManager/GetObservationLog',
        '/api.v1.beta1.DBManager/DeleteObservationLog',
        '/grpc.health.v1.Health/Check',
      ];
      const allowed = new Set([
        status.OK,
        status.INVALID_ARGUMENT,
        status.NOT_FOUND,
        status.UNIMPLEMENTED,
        status.RESOURCE_EXHAUSTED,
      ]);
      // A trial whose rows must survive: garbage never decodes to its 40-character name by chance.
      const keep = uniqueTrial('keep');
      await server.grpc.report({
        trialName: keep,
        observationLog: { metricLogs: [{ timeStamp: '', metric: { name: 'loss', value: '1' } }] },
      });
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...methods), body, async (method, b) => {
          const reply = await rawGrpcCall(session, method, b);
          assert.ok(!reply.broken, `no grpc-status: HTTP ${reply.httpStatus}`);
          assert.ok(allowed.has(reply.status), `${method}: status ${reply.status} ${reply.message}`);
        }),
        fuzzParams(Math.round(runs / 2)),
      );
      assert.equal((await opened.db.observations.get(keep)).length, 1);
    });

    it('stores nasty but valid names exactly: SQL, quotes, case, accents, spaces, emoji are each their own trial', async () => {
      const storable = (name: string) =>
        name !== '' && [...name].length <= 255 && !name.includes('\u0000') && !/\p{Cs}/u.test(name);
      const variants = (name: string) => [
        name,
        name.toUpperCase(),
        `${name} `,
        ` ${name}`,
        name.normalize('NFD'),
        `${name}\u0301`,
      ];
      const names = fc
        .array(nastyName, { minLength: 1, maxLength: 3 })
        .map((list) => [...new Set(list.flatMap(variants).filter(storable))]);
      await fc.assert(
        fc.asyncProperty(
          names,
          fc.array(fc.double({ noNaN: true }).map(String), { minLength: 1, maxLength: 3 }),
          async (trials, values) => {
            for (const trialName of trials) await server.grpc.delete({ trialName });
            for (const [i, trialName] of trials.entries()) {
              await server.grpc.report({
                trialName,
                observationLog: {
                  metricLogs: values.map((value, k) => ({
                    timeStamp: `2026-01-01T00:00:0${k}Z`,
                    metric: { name: trials[(i + k) % trials.length]!, value },
                  })),
                },
              });
            }
            for (const [i, trialName] of trials.entries()) {
              const { observationLog } = await server.grpc.get({ trialName });
              assert.deepEqual(
                observationLog?.metricLogs.map((l) => [l.metric?.name, l.metric?.value]),
                values.map((value, k) => [trials[(i + k) % trials.length], value]),
                JSON.stringify(trialName),
              );
            }
          },
        ),
        fuzzParams(Math.round(runs / 3)),
      );
    });
  });
}
