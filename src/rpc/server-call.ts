import http2 from 'node:http2';
import type { Deadline, DeadlineWatch } from '../api/deadline-watch.js';
import { grpcStatusOf, KatibError } from '../api/errors.js';
import { encodeGrpcMessage, FRAME_PREFIX_BYTES, frameMessage, GrpcStatus } from './grpc-wire.js';

/** What a unary handler sees of its call. */
export interface UnaryCallContext {
  /** `/package.Service/Method`. */
  readonly path: string;
  /** The request's HTTP/2 headers: its gRPC metadata, pseudo-headers included. */
  readonly headers: http2.IncomingHttpHeaders;
  /** When the client stops waiting (epoch ms, from grpc-timeout); Infinity when it waits forever. */
  readonly deadline: number;
  /** True once the client cancelled, its deadline passed or its connection went away. */
  readonly cancelled: boolean;
  /** Called once when the call is cancelled before its reply was sent. */
  onCancel: (() => void) | undefined;
  /** Extra headers for the reply: set them before the handler settles. */
  responseHeaders: http2.OutgoingHttpHeaders | undefined;
  /** Extra trailers for a successful reply (an error carries its own, see GrpcError). */
  responseTrailers: http2.OutgoingHttpHeaders | undefined;
  /** `address:port` of the client. */
  peer(): string;
}

/**
 * Answers one unary call: `request` is the request message's bytes (uncompressed, without its
 * prefix). Resolves with the reply message's bytes, or throws: a GrpcError keeps its status and
 * trailers, a KatibError becomes its gRPC status and message, anything else INTERNAL.
 */
export type UnaryHandler = (request: Buffer, call: UnaryCallContext) => Uint8Array | Promise<Uint8Array>;

/** A gRPC status to answer with, and trailers (metadata) to send along. */
export class GrpcError extends Error {
  readonly status: number;
  readonly trailers: http2.OutgoingHttpHeaders | undefined;

  constructor(status: number, message: string, trailers?: http2.OutgoingHttpHeaders) {
    super(message);
    this.name = 'GrpcError';
    this.status = status;
    this.trailers = trailers;
  }
}

/** What every call of one server shares. */
export interface CallEnvironment {
  readonly maxReceiveMessageBytes: number;
  readonly deadlines: DeadlineWatch;
  /** Counts handlers still running, which a graceful close waits for. */
  handlerStarted(): void;
  handlerSettled(): void;
}

/**
 * Messages are accepted uncompressed only. A client may name a grpc-encoding and still send
 * uncompressed messages (the flag is per message), so only a message flagged compressed is
 * refused: UNIMPLEMENTED, with the one encoding accepted, when it names one; INVALID_ARGUMENT
 * when it claims identity or sets another flag (gRPC's libraries answer INTERNAL, but that code
 * means a fault of the server: this is the client's).
 */
function compressedMessage(flag: number, encoding: string | string[] | undefined): GrpcError {
  if (flag === 1 && typeof encoding === 'string' && encoding !== 'identity') {
    return new GrpcError(
      GrpcStatus.UNIMPLEMENTED,
      `grpc-encoding ${encoding} is not supported (identity only)`,
      {
        'grpc-accept-encoding': 'identity',
      },
    );
  }
  return new GrpcError(
    GrpcStatus.INVALID_ARGUMENT,
    `the request message has compressed-flag ${flag} with grpc-encoding ${encoding ?? 'identity'}`,
  );
}

const READING = 0;
const HANDLING = 1;
const DONE = 2;

const { NGHTTP2_NO_ERROR } = http2.constants;

/**
 * One unary call on one HTTP/2 stream: reads the single length-prefixed request message (size
 * checked as soon as its prefix arrives), runs the handler, and answers headers + one DATA frame
 * + trailers, or a trailers-only response for an error. Whatever happens first of reply, error,
 * deadline and the stream closing decides the outcome; the rest is ignored.
 */
export class ServerCall implements UnaryCallContext {
  readonly path: string;
  readonly headers: http2.IncomingHttpHeaders;
  readonly #stream: http2.ServerHttp2Stream;
  readonly #handler: UnaryHandler;
  readonly #env: CallEnvironment;
  #state = READING;
  #chunks: Buffer[] = [];
  #received = 0;
  #declared = -1;
  #deadline: Deadline | undefined;
  readonly deadline: number = Number.POSITIVE_INFINITY;
  cancelled = false;
  onCancel: (() => void) | undefined;
  responseHeaders: http2.OutgoingHttpHeaders | undefined;
  responseTrailers: http2.OutgoingHttpHeaders | undefined;

  constructor(
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    handler: UnaryHandler,
    env: CallEnvironment,
    timeoutMs: number | undefined,
  ) {
    this.path = headers[':path'] as string;
    this.headers = headers;
    this.#stream = stream;
    this.#handler = handler;
    this.#env = env;
    if (timeoutMs !== undefined) {
      this.deadline = Date.now() + timeoutMs;
      this.#deadline = env.deadlines.add(timeoutMs, this.#expire);
    }
    stream.on('data', this.#onData);
    stream.on('end', this.#onEnd);
    stream.on('close', this.#onClose);
  }

  peer(): string {
    const socket = this.#stream.session?.socket;
    return socket ? `${socket.remoteAddress}:${socket.remotePort}` : 'unknown';
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#state !== READING) return;
    this.#chunks.push(chunk);
    this.#received += chunk.length;
    if (this.#declared < 0) {
      if (this.#received < FRAME_PREFIX_BYTES) return;
      const head = this.#chunks.length === 1 ? chunk : Buffer.concat(this.#chunks);
      if (head[0] !== 0) {
        this.#fail(compressedMessage(head[0]!, this.headers['grpc-encoding']));
        return;
      }
      this.#declared = head.readUInt32BE(1);
      const max = this.#env.maxReceiveMessageBytes;
      if (this.#declared > max) {
        this.#fail(
          new GrpcError(
            GrpcStatus.RESOURCE_EXHAUSTED,
            `the request message has ${this.#declared} bytes, more than the limit of ${max}`,
          ),
        );
        return;
      }
    }
    if (this.#received > FRAME_PREFIX_BYTES + this.#declared) {
      // gRPC's status table: a request cardinality violation is UNIMPLEMENTED.
      this.#fail(
        new GrpcError(
          GrpcStatus.UNIMPLEMENTED,
          `more than one request message in a unary call (or a length prefix of ${this.#declared} shorter than its message)`,
        ),
      );
    }
  };

  readonly #onEnd = (): void => {
    if (this.#state !== READING) return;
    const expected = FRAME_PREFIX_BYTES + this.#declared;
    if (this.#received === 0) {
      // gRPC's status table: a request cardinality violation is UNIMPLEMENTED.
      this.#fail(new GrpcError(GrpcStatus.UNIMPLEMENTED, 'no request message in a unary call'));
      return;
    }
    if (this.#declared < 0 || this.#received < expected) {
      const what = `the request message is cut short (${this.#received} of ${this.#declared < 0 ? 'at least 5' : expected} bytes)`;
      this.#fail(new GrpcError(GrpcStatus.INVALID_ARGUMENT, what));
      return;
    }
    const chunks = this.#chunks;
    const frame = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#received);
    this.#chunks = [];
    this.#state = HANDLING;
    this.#env.handlerStarted();
    let result: Uint8Array | Promise<Uint8Array>;
    try {
      result = this.#handler(frame.subarray(FRAME_PREFIX_BYTES), this);
    } catch (err) {
      this.#env.handlerSettled();
      this.#fail(err);
      return;
    }
    if (result instanceof Uint8Array) {
      this.#env.handlerSettled();
      this.#reply(result);
    } else result.then(this.#replied, this.#failed);
  };

  readonly #replied = (message: Uint8Array): void => {
    this.#env.handlerSettled();
    this.#reply(message);
  };

  readonly #failed = (err: unknown): void => {
    this.#env.handlerSettled();
    this.#fail(err);
  };

  readonly #onClose = (): void => {
    if (this.#state === DONE) return;
    // The stream went away (client cancel, connection lost, server destroyed) before a reply.
    this.#finish();
    this.#cancel();
  };

  readonly #expire = (): void => {
    this.#deadline = undefined;
    if (this.#state === DONE) return;
    this.#fail(new GrpcError(GrpcStatus.DEADLINE_EXCEEDED, 'the deadline (grpc-timeout) passed'));
    this.#cancel();
  };

  #cancel(): void {
    this.cancelled = true;
    const onCancel = this.onCancel;
    this.onCancel = undefined;
    onCancel?.();
  }

  #finish(): void {
    this.#state = DONE;
    this.#chunks = [];
    if (this.#deadline !== undefined) {
      this.#env.deadlines.clear(this.#deadline);
      this.#deadline = undefined;
    }
  }

  #reply(message: Uint8Array): void {
    if (this.#state === DONE) return;
    this.#finish();
    const stream = this.#stream;
    if (stream.destroyed || stream.closed) return;
    const trailers = this.responseTrailers;
    stream.respond(
      { ...this.responseHeaders, ':status': 200, 'content-type': 'application/grpc' },
      { waitForTrailers: true },
    );
    stream.once('wantTrailers', () => stream.sendTrailers({ ...trailers, 'grpc-status': '0' }));
    stream.end(frameMessage(message));
  }

  #fail(err: unknown): void {
    if (this.#state === DONE) return;
    const stillReading = this.#state === READING;
    this.#finish();
    const stream = this.#stream;
    if (stream.destroyed || stream.closed) return;
    let status: number;
    let message: string;
    let trailers: http2.OutgoingHttpHeaders | undefined;
    if (err instanceof GrpcError) {
      ({ status, message, trailers } = err);
    } else {
      const katib = KatibError.from(err);
      status = grpcStatusOf(katib.code);
      message = katib.message;
    }
    stream.respond(
      {
        ...this.responseHeaders,
        ...trailers,
        ':status': 200,
        'content-type': 'application/grpc',
        'grpc-status': String(status),
        'grpc-message': encodeGrpcMessage(message),
      },
      { endStream: true },
    );
    // The client may still be sending: ask it to stop, without error (RFC 9113 8.1).
    if (stillReading) stream.close(NGHTTP2_NO_ERROR);
  }
}
