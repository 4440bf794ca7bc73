/**
 * One RpcService, served on both ports: the gRPC port (UnaryGrpcServer) and the HTTP port
 * (createConnectServer) run the same implementation behind the same interceptors, in the same
 * order, with the same error mapping.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { Interceptor } from '@connectrpc/connect';
import { KatibError } from '../../src/api/errors.js';
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponseSchema,
} from '../../src/gen/grpc/health/v1/health_pb.js';
import {
  createConnectServer,
  listenHttp,
  type RpcService,
  shutdownHttp,
  UnaryGrpcServer,
} from '../../src/rpc/index.js';

describe('an RpcService on both ports', () => {
  const seen: string[] = [];
  const outer: Interceptor = (next) => async (req) => {
    seen.push(`outer ${req.method.name} ${req.header.get('x-who') ?? '-'}`);
    if (req.header.get('x-who') === 'mallory') throw new KatibError('permission_denied', 'not you');
    return next(req);
  };
  const inner: Interceptor = (next) => async (req) => {
    seen.push('inner');
    return next(req);
  };
  const rpc: RpcService<typeof Health> = {
    service: Health,
    impl: {
      check(request) {
        if (request.service === 'bad') throw new KatibError('invalid_argument', 'service: "bad" is bad');
        return { status: 1 };
      },
    },
    interceptors: [outer, inner],
  };
  const grpc = new UnaryGrpcServer({ maxReceiveMessageBytes: 1024 });
  grpc.addService(rpc);
  const http = createConnectServer({
    services: [rpc],
    maxMessageBytes: 1024,
    maxConnections: 10,
    fallback: (_req, res) => res.writeHead(404).end(),
  });
  let grpcAt = '';
  let httpAt = '';
  let session: http2.ClientHttp2Session;

  before(async () => {
    grpcAt = `127.0.0.1:${await grpc.listen('127.0.0.1', 0)}`;
    httpAt = `127.0.0.1:${await listenHttp(http, '127.0.0.1', 0)}`;
    session = http2.connect(`http://${grpcAt}`);
  });
  after(async () => {
    session.close();
    await Promise.all([grpc.close(1000), shutdownHttp(http, 1000)]);
  });

  const viaGrpc = (service: string, who?: string) =>
    new Promise<{ status: number; message: string; reply?: number }>((resolve, reject) => {
      const body = toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, { service }));
      const frame = Buffer.alloc(5 + body.length);
      frame.writeUInt32BE(body.length, 1);
      frame.set(body, 5);
      const stream = session.request({
        ':method': 'POST',
        ':path': '/grpc.health.v1.Health/Check',
        'content-type': 'application/grpc',
        ...(who ? { 'x-who': who } : {}),
      });
      const chunks: Buffer[] = [];
      let headers: http2.IncomingHttpHeaders = {};
      stream.on('response', (h) => {
        headers = h;
      });
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('trailers', (t) => {
        headers = { ...headers, ...t };
      });
      stream.on('error', reject);
      stream.on('close', () => {
        const data = Buffer.concat(chunks);
        resolve({
          status: Number(headers['grpc-status']),
          message: decodeURIComponent(String(headers['grpc-message'] ?? '')),
          ...(data.length >= 5
            ? { reply: fromBinary(HealthCheckResponseSchema, data.subarray(5)).status }
            : {}),
        });
      });
      stream.end(frame);
    });

  const viaConnect = async (service: string, who?: string) => {
    const res = await fetch(`http://${httpAt}/grpc.health.v1.Health/Check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(who ? { 'x-who': who } : {}) },
      body: JSON.stringify({ service }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('serves the implementation through the interceptors, outermost first, on both ports', async () => {
    seen.length = 0;
    assert.deepEqual(await viaGrpc('', 'alice'), { status: 0, message: '', reply: 1 });
    assert.deepEqual(seen, ['outer Check alice', 'inner']);
    seen.length = 0;
    assert.deepEqual(await viaConnect('', 'alice'), { status: 200, json: { status: 'SERVING' } });
    assert.deepEqual(seen, ['outer Check alice', 'inner']);
  });

  it("maps an interceptor's and the implementation's KatibErrors alike on both ports", async () => {
    assert.deepEqual(await viaGrpc('', 'mallory'), { status: 7, message: 'not you' });
    assert.deepEqual(await viaConnect('', 'mallory'), {
      status: 403,
      json: { code: 'permission_denied', message: 'not you' },
    });
    assert.deepEqual(await viaGrpc('bad'), { status: 3, message: 'service: "bad" is bad' });
    assert.deepEqual(await viaConnect('bad'), {
      status: 400,
      json: { code: 'invalid_argument', message: 'service: "bad" is bad' },
    });
  });
});
