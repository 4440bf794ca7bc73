/**
 * Garbage below the RPC layer: random bytes, a valid HTTP/2 preface followed by random frames,
 * and broken HTTP/1.1 requests, written straight to both ports' sockets. Whatever happens to that
 * connection, the server keeps serving everyone else and stores nothing.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { openDatabase } from '../../src/store/index.js';
import { postJson, startTestServer, type TestServer, uniqueTrial } from '../dbmanager/harness.js';
import { fuzzParams, rowCount } from './support.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** An HTTP/2 frame: 9-byte header (length, type, flags, stream id), then the payload. */
const frame = fc
  .tuple(
    fc.integer({ min: 0, max: 12 }),
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 9 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.integer({ min: -3, max: 3 }),
  )
  .map(([type, flags, stream, payload, lie]) => {
    const head = Buffer.alloc(9);
    head.writeUIntBE(Math.max(0, payload.length + lie), 0, 3);
    head[3] = type;
    head[4] = flags;
    head.writeUInt32BE(stream, 5);
    return Buffer.concat([head, payload]);
  });

const h2Garbage = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.array(frame, { maxLength: 6 }).map((frames) => Buffer.concat([PREFACE, ...frames])),
  fc.array(frame, { maxLength: 6 }).map((frames) => Buffer.concat([PREFACE.subarray(0, 10), ...frames])),
);

const h1Garbage = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc
    .tuple(
      fc.constantFrom('POST', 'GET', 'PUT', 'BREW', ''),
      fc.constantFrom(
        '/api.v1.beta1.DBManager/ReportObservationLog',
        '/healthz',
        '*',
        '/../../etc/passwd',
        '/%ff',
      ),
      fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/9.9', ''),
      fc.array(
        fc.constantFrom(
          'content-type: application/json',
          'content-length: 10',
          'content-length: -1',
          'transfer-encoding: chunked',
          'content-length: 99999999999',
          'x: \u0000',
          'content-encoding: gzip',
          `x-big: ${'a'.repeat(20_000)}`,
        ),
        { maxLength: 4 },
      ),
      fc.string({ maxLength: 40, unit: 'binary' }),
    )
    .map(([method, path, version, headers, body]) =>
      Buffer.from(`${method} ${path} ${version}\r\n${headers.join('\r\n')}\r\n\r\n${body}`),
    ),
);

/** Writes `bytes` on a fresh connection, reads whatever comes back for a moment, closes. */
function spray(address: string, bytes: Buffer): Promise<void> {
  const at = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host: address.slice(0, at), port: Number(address.slice(at + 1)) });
    socket.on('error', () => {});
    socket.on('data', () => {});
    socket.on('close', () => resolve());
    socket.on('connect', () => {
      socket.write(bytes);
      setTimeout(() => socket.destroy(), 20);
    });
  });
}

describe('both ports under socket-level garbage', () => {
  let db: Awaited<ReturnType<typeof openDatabase>>;
  let server: TestServer;
  before(async () => {
    db = await openDatabase('sqlite::memory:');
    server = await startTestServer(db);
  });
  after(async () => {
    await server?.stop();
    await db?.close();
  });

  it('keeps serving and stores nothing, whatever is written to its sockets', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(h2Garbage, { maxLength: 3 }),
        fc.array(h1Garbage, { maxLength: 3 }),
        async (h2, h1) => {
          const before = await rowCount(db);
          await Promise.all([
            ...h2.map((b) => spray(server.manager.grpcAddress, b)),
            ...h1.map((b) => spray(server.manager.httpAddress!, b)),
          ]);
          assert.equal(await rowCount(db), before);
          const trialName = uniqueTrial('after-spray');
          const log = { timeStamp: '', metric: { name: 'loss', value: '1' } };
          await server.grpc.report({ trialName, observationLog: { metricLogs: [log] } });
          const http = await postJson(server.httpBase, 'ReportObservationLog', {
            trialName,
            observationLog: { metricLogs: [log] },
          });
          assert.equal(http.status, 200);
          assert.equal((await db.observations.get(trialName)).length, 2);
        },
      ),
      fuzzParams(120),
    );
  });
});
