import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import {
  credentials,
  Metadata,
  makeGenericClientConstructor,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { KatibError } from '../../src/api/errors.js';
import {
  Health,
  HealthCheckRequestSchema,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
} from '../../src/gen/grpc/health/v1/health_pb.js';
import { grpcServiceDefinition, UnaryGrpcServer } from '../../src/rpc/index.js';

const CHECK = '/grpc.health.v1.Health/Check';
const SERVING = create(HealthCheckResponseSchema, { status: HealthCheckResponse_ServingStatus.SERVING });

interface RawReply {
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
  rstCode: number;
}

/** One call with a bare node:http2 client, to send what grpc-js never would. */
function rawCall(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body: Buffer,
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', 'content-type': 'application/grpc', ...headers });
    const reply: RawReply = { headers: {}, trailers: {}, body: Buffer.alloc(0), rstCode: 0 };
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      reply.headers = h;
    });
    stream.on('trailers', (t) => {
      reply.trailers = t;
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => {});
    stream.on('close', () => {
      reply.body = Buffer.concat(chunks);
      reply.rstCode = stream.rstCode ?? 0;
      resolve(reply);
    });
    stream.on('aborted', () => reject(new Error('aborted')));
    stream.end(body);
  });
}

function frame(message: Uint8Array, flag = 0): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out[0] = flag;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

const statusOf = (r: RawReply) => Number(r.trailers['grpc-status'] ?? r.headers['grpc-status']);
const messageOf = (r: RawReply) =>
  decodeURIComponent(String(r.trailers['grpc-message'] ?? r.headers['grpc-message'] ?? ''));

describe('UnaryGrpcServer', () => {
  let server: UnaryGrpcServer;
  let address: string;
  let session: http2.ClientHttp2Session;
  let release: (() => void) | undefined;

  before(async () => {
    server = new UnaryGrpcServer({ maxReceiveMessageBytes: 1024 });
    server.addService({
      service: Health,
      impl: {
        check(request, context) {
          const name = request.service;
          if (name === 'slow') return new Promise((resolve) => (release = () => resolve(SERVING)));
          if (name === 'fail') {
            throw new ConnectError(
              ' 100% ünïcode\nline ',
              Code.FailedPrecondition,
              new Headers({ 'katib-field': 'service' }),
            );
          }
          if (name === 'throw') throw new KatibError('not_found', 'no such thing');
          if (name === 'reject') return Promise.reject(new KatibError('aborted', 'gave up'));
          context.responseTrailer.set('echo', context.requestHeader.get('x-echo') ?? '');
          return SERVING;
        },
      },
    });
    address = `127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
    session = http2.connect(`http://${address}`);
  });
  after(async () => {
    session.close();
    await server.close(1000);
  });

  const grpcJsCheck = (service: string, metadata = new Metadata()) => {
    const Client = makeGenericClientConstructor(grpcServiceDefinition(Health), 'Health');
    const client = new Client(address, credentials.createInsecure()) as never as {
      check(
        req: unknown,
        md: Metadata,
        cb: (err: ServiceError | null, reply: HealthCheckResponse) => void,
      ): { on(event: 'status', fn: (s: { metadata: Metadata }) => void): void };
      close(): void;
    };
    return new Promise<{ err: ServiceError | null; reply: HealthCheckResponse; trailers: Metadata }>(
      (resolve) => {
        let trailers: Metadata | undefined;
        let result: { err: ServiceError | null; reply: HealthCheckResponse } | undefined;
        const done = () => {
          if (result && trailers) {
            client.close();
            resolve({ ...result, trailers });
          }
        };
        const call = client.check(create(HealthCheckRequestSchema, { service }), metadata, (err, reply) => {
          result = { err, reply };
          done();
        });
        call.on('status', (s) => {
          trailers = s.metadata;
          done();
        });
      },
    );
  };

  it('serves a Connect ServiceImpl to a grpc-js client, metadata and trailers included', async () => {
    const md = new Metadata();
    md.set('x-echo', 'hello');
    const { err, reply, trailers } = await grpcJsCheck('', md);
    assert.equal(err, null);
    assert.equal(reply.status, HealthCheckResponse_ServingStatus.SERVING);
    assert.deepEqual(trailers.get('echo'), ['hello']);
  });

  it('carries an error status, a percent-encoded message and metadata in trailers', async () => {
    const { err } = await grpcJsCheck('fail');
    assert.equal(err?.code, status.FAILED_PRECONDITION);
    assert.equal(err?.details, ' 100% ünïcode\nline ');
    assert.deepEqual(err?.metadata.get('katib-field'), ['service']);
    const thrown = await grpcJsCheck('throw');
    assert.equal(thrown.err?.code, status.NOT_FOUND);
    assert.equal(thrown.err?.details, 'no such thing');
    const rejected = await grpcJsCheck('reject');
    assert.equal(rejected.err?.code, status.ABORTED);
    assert.equal(rejected.err?.details, 'gave up');
  });

  it('answers UNIMPLEMENTED for a method the service does not have', async () => {
    const reply = await rawCall(
      session,
      { ':path': '/grpc.health.v1.Health/Watch' },
      frame(new Uint8Array()),
    );
    assert.equal(statusOf(reply), status.UNIMPLEMENTED);
  });

  it('answers UNIMPLEMENTED for an unknown method and a codec other than protobuf', async () => {
    const unknown = await rawCall(session, { ':path': '/x.Y/Z' }, frame(new Uint8Array()));
    assert.equal(statusOf(unknown), status.UNIMPLEMENTED);
    assert.match(messageOf(unknown), /\/x\.Y\/Z/);
    const json = await rawCall(
      session,
      { ':path': CHECK, 'content-type': 'application/grpc+json' },
      frame(new Uint8Array()),
    );
    assert.equal(statusOf(json), status.UNIMPLEMENTED);
    const proto = await rawCall(
      session,
      { ':path': CHECK, 'content-type': 'application/grpc+proto' },
      frame(new Uint8Array()),
    );
    assert.equal(statusOf(proto), status.OK);
  });

  it('answers HTTP 415 to a request that is not gRPC', async () => {
    const reply = await rawCall(
      session,
      { ':path': CHECK, 'content-type': 'application/json' },
      Buffer.from('{}'),
    );
    assert.equal(reply.headers[':status'], 415);
  });

  it('refuses compressed messages: UNIMPLEMENTED naming identity, INVALID_ARGUMENT for a flag without encoding', async () => {
    const gzip = await rawCall(
      session,
      { ':path': CHECK, 'grpc-encoding': 'gzip' },
      frame(new Uint8Array(), 1),
    );
    assert.equal(statusOf(gzip), status.UNIMPLEMENTED);
    assert.equal(gzip.headers['grpc-accept-encoding'], 'identity');
    // A grpc-encoding with an uncompressed message (the flag is per message) is served.
    const plain = await rawCall(
      session,
      { ':path': CHECK, 'grpc-encoding': 'gzip' },
      frame(new Uint8Array()),
    );
    assert.equal(statusOf(plain), status.OK);
    const identity = await rawCall(
      session,
      { ':path': CHECK, 'grpc-encoding': 'identity' },
      frame(new Uint8Array(), 1),
    );
    assert.equal(statusOf(identity), status.INVALID_ARGUMENT);
    assert.match(messageOf(identity), /compressed/);
    const flag7 = await rawCall(session, { ':path': CHECK }, frame(new Uint8Array(), 7));
    assert.equal(statusOf(flag7), status.INVALID_ARGUMENT);
  });

  it('answers RESOURCE_EXHAUSTED as soon as a message is announced larger than the limit', async () => {
    const big = await rawCall(session, { ':path': CHECK }, frame(new Uint8Array(2000)));
    assert.equal(statusOf(big), status.RESOURCE_EXHAUSTED);
    assert.match(messageOf(big), /2000 bytes, more than the limit of 1024/);
  });

  it('answers UNIMPLEMENTED for no message and two messages (cardinality), INVALID_ARGUMENT for a cut message and garbage', async () => {
    const none = await rawCall(session, { ':path': CHECK }, Buffer.alloc(0));
    assert.equal(statusOf(none), status.UNIMPLEMENTED);
    const cut = await rawCall(session, { ':path': CHECK }, frame(new Uint8Array(10)).subarray(0, 8));
    assert.equal(statusOf(cut), status.INVALID_ARGUMENT);
    assert.match(messageOf(cut), /cut short/);
    const two = await rawCall(
      session,
      { ':path': CHECK },
      Buffer.concat([frame(new Uint8Array()), frame(new Uint8Array())]),
    );
    assert.equal(statusOf(two), status.UNIMPLEMENTED);
    const garbage = await rawCall(session, { ':path': CHECK }, frame(Buffer.from([0x0a, 0x05, 0x61])));
    assert.equal(statusOf(garbage), status.INVALID_ARGUMENT);
  });

  it('answers DEADLINE_EXCEEDED when grpc-timeout passes, INVALID_ARGUMENT for a malformed one', async () => {
    const message = frame(Buffer.from([0x0a, 0x04, ...Buffer.from('slow')]));
    const started = Date.now();
    const late = await rawCall(session, { ':path': CHECK, 'grpc-timeout': '50m' }, message);
    assert.equal(statusOf(late), status.DEADLINE_EXCEEDED);
    assert.ok(Date.now() - started < 1000);
    release?.(); // the handler's late reply goes nowhere
    const bad = await rawCall(session, { ':path': CHECK, 'grpc-timeout': '10 seconds' }, message);
    assert.equal(statusOf(bad), status.INVALID_ARGUMENT);
  });

  it('replies with headers, one message and trailers', async () => {
    const reply = await rawCall(session, { ':path': CHECK, 'grpc-timeout': '5S' }, frame(new Uint8Array()));
    assert.equal(reply.headers[':status'], 200);
    assert.equal(reply.headers['content-type'], 'application/grpc');
    assert.equal(reply.trailers['grpc-status'], '0');
    assert.deepEqual([...reply.body], [0, 0, 0, 0, 2, 0x08, 0x01]);
  });

  it('refuses a method served twice', () => {
    assert.throws(() => server.addMethod(CHECK, () => new Uint8Array()), /served already/);
  });
});
