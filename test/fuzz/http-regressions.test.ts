/** Plain regression tests for what the HTTP port fuzzing found (see http-port.test.ts). */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../src/store/index.js';
import { startTestServer, type TestServer } from '../dbmanager/harness.js';
import { rowCount } from './support.js';

const PATH = '/api.v1.beta1.DBManager/ReportObservationLog';

describe('HTTP port regressions', () => {
  let db: Awaited<ReturnType<typeof openDatabase>>;
  let server: TestServer;
  before(async () => {
    db = await openDatabase('sqlite::memory:');
    server = await startTestServer(db, { limits: { maxMessageBytes: 64 * 1024 } });
  });
  after(async () => {
    await server?.stop();
    await db?.close();
  });

  it('answers binary protobuf garbage invalid_argument with its whole message (was 500 internal, then cut short)', async () => {
    for (const bytes of [[3], [0x0a, 0x05, 0x61], [0xff, 0xff, 0xff]]) {
      const res = await fetch(`${server.httpBase}${PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/proto' },
        body: Uint8Array.from(bytes),
      });
      assert.equal(res.status, 400);
      const json = (await res.json()) as { code: string; message: string };
      assert.equal(json.code, 'invalid_argument');
      assert.match(json.message, /^request: not a valid message: /);
    }
    assert.equal(await rowCount(db), 0);
  });

  it('closes the connection after refusing a chunked body past the limit, so a reused connection is not reset', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const { httpAddress } = server.manager;
    const [host, port] = [httpAddress!.split(':')[0]!, Number(httpAddress!.split(':')[1])];
    const post = (body: Buffer, chunked: boolean) =>
      new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
        const req = http.request(
          {
            agent,
            host,
            port,
            path: PATH,
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(chunked ? {} : { 'content-length': body.length }),
            },
          },
          (res) => {
            let text = '';
            res.on('data', (c) => {
              text += c;
            });
            res.on('end', () =>
              resolve({ status: res.statusCode!, connection: res.headers.connection, body: text }),
            );
          },
        );
        req.on('error', reject);
        if (chunked) {
          req.write(body.subarray(0, body.length / 2));
          req.end(body.subarray(body.length / 2));
        } else req.end(body);
      });
    const big = await post(Buffer.alloc(200_000, 0x20), true);
    assert.equal(big.status, 429);
    assert.equal(big.connection, 'close');
    const next = await post(
      Buffer.from('{"trialName":"t","observationLog":{"metricLogs":[{"metric":{"name":"m","value":"1"}}]}}'),
      false,
    );
    assert.equal(next.status, 200, next.body);
    assert.equal(await rowCount(db), 1);
    agent.destroy();
  });

  it('answers an RPC without a Host header (HTTP/1.0) invalid_argument; it used to throw out of the request listener and end the process', async () => {
    const { httpAddress } = server.manager;
    const at = httpAddress!.lastIndexOf(':');
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({
        host: httpAddress!.slice(0, at),
        port: Number(httpAddress!.slice(at + 1)),
      });
      let text = '';
      socket.on('data', (c) => {
        text += c;
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      const body = '{"trialName":"t"}';
      socket.write(
        `POST ${PATH} HTTP/1.0\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
      );
    });
    assert.match(reply, /^HTTP\/1\.1 400 /);
    assert.match(
      reply,
      /"code":"invalid_argument","message":"request: unable to determine request authority/,
    );
    const ok = await fetch(`${server.httpBase}/healthz`);
    assert.equal(ok.status, 200);
  });
});
