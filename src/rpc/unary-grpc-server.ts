import http2 from 'node:http2';
import type { DescService } from '@bufbuild/protobuf';
import { DeadlineWatch } from '../api/deadline-watch.js';
import { KatibError } from '../api/errors.js';
import { formatHostPort } from './address.js';
import { capConnections } from './connection-cap.js';
import { type FastPaths, grpcServiceHandlers, type RpcService } from './grpc-service-handlers.js';
import { encodeGrpcMessage, GrpcStatus, parseGrpcTimeout } from './grpc-wire.js';
import { type CallEnvironment, ServerCall, type UnaryHandler } from './server-call.js';

export interface UnaryGrpcServerOptions {
  /** Largest request message accepted; larger ones are answered RESOURCE_EXHAUSTED unread. */
  maxReceiveMessageBytes: number;
  /** Streams (calls) a client may have open at once on one connection. Default 100. */
  maxConcurrentStreams?: number;
  /** Serve HTTP/2 over TLS (ALPN h2) with this certificate and key instead of cleartext h2c. */
  tls?: { cert: Buffer; key: Buffer };
  /** Connections open at once; past it new ones are closed unread (see capConnections). Default none. */
  maxConnections?: number;
  /** Told about connections refused past `maxConnections` (throttled, see capConnections). */
  onConnectionsDropped?: (dropped: number, maxConnections: number) => void;
}

/**
 * A gRPC server for unary methods over cleartext HTTP/2 (h2c with prior knowledge, as Katib's
 * clients dial), or over TLS with `options.tls`, on node:http2 directly. All of Katib's RPCs are unary.
 *
 * Why not @grpc/grpc-js, the project's gRPC library (DESIGN.md prefers it unless a benchmark shows
 * it is the bottleneck): measured with bench/push.ts on this machine (2 cores shared with other
 * test runs, load average 4-6, so runs vary by 30%), the DB manager on SQLite:
 *   grpc-js:      single awaited reports 1,650-2,220/s (18-22% of bare node:http2 round trips),
 *                 230-250 us of server CPU per report, p99 4-8 ms; 3.3-3.5 us of server CPU per
 *                 batched point; peak RSS 183-196 MB
 *   this server:  2,440-3,300/s (24-33%), 130-175 us per report, p99 2.5-4 ms; 2.5-2.9 us per
 *                 point; RSS 114-136 MB (same service, protobuf-es decoding)
 *   with decodeReport (the hand-written request decoder): 3,900-4,200/s (35-38%), 117-124 us per
 *                 report (the SQLite commit ~40 of it), p99 2.0-2.3 ms; 2.05-2.11 us per point,
 *                 182k-267k points/s; RSS 138-141 MB
 *   a no-op handler here: 52-62 us of server CPU per call, against 50-58 us for a bare node:http2
 *                 server answering like gRPC and 37 us for a bare request/response
 * grpc-js spends the difference on its call objects, interceptor chains, metadata maps, channelz
 * and per-call timers, none of which a unary server needs.
 *
 * What it does, per gRPC's PROTOCOL-HTTP2.md:
 * - requests: POST, `content-type` application/grpc or application/grpc+proto (anything else that
 *   is not gRPC: HTTP 415; another gRPC codec: UNIMPLEMENTED); uncompressed messages only (one
 *   flagged compressed: UNIMPLEMENTED with grpc-accept-encoding identity); `grpc-timeout`
 *   honoured (DEADLINE_EXCEEDED, the handler told through `onCancel`; a malformed one is
 *   INVALID_ARGUMENT); exactly one length-prefixed message (none or a second: UNIMPLEMENTED, as
 *   gRPC's status table says for cardinality; one cut short: INVALID_ARGUMENT), at most
 *   `maxReceiveMessageBytes` (RESOURCE_EXHAUSTED as soon as its prefix says more); an unknown
 *   path is UNIMPLEMENTED. Client garbage is never answered INTERNAL.
 * - replies: headers, one DATA frame, trailers (`grpc-status`, percent-encoded `grpc-message`);
 *   errors as trailers-only responses.
 * - close: stops accepting connections, sends GOAWAY on every connection, lets calls in flight
 *   finish for up to the drain time, then destroys what is left.
 */
export class UnaryGrpcServer {
  readonly #h2: http2.Http2Server | http2.Http2SecureServer;
  readonly #methods = new Map<string, UnaryHandler>();
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  readonly #env: CallEnvironment;
  #handlersInFlight = 0;
  #closing: Promise<void> | undefined;
  #checkDrained: (() => void) | undefined;

  constructor(options: UnaryGrpcServerOptions) {
    const deadlines = new DeadlineWatch();
    this.#env = {
      maxReceiveMessageBytes: options.maxReceiveMessageBytes,
      deadlines,
      handlerStarted: () => {
        this.#handlersInFlight++;
      },
      handlerSettled: () => {
        if (--this.#handlersInFlight === 0) this.#checkDrained?.();
      },
    };
    const settings = { maxConcurrentStreams: options.maxConcurrentStreams ?? 100 };
    this.#h2 = options.tls
      ? http2.createSecureServer({ ...options.tls, settings, ALPNProtocols: ['h2'] })
      : http2.createServer({ settings });
    if (options.maxConnections !== undefined)
      capConnections(this.#h2, options.maxConnections, options.onConnectionsDropped);
    this.#h2.on('session', this.#onSession);
    this.#h2.on('stream', this.#onStream);
  }

  /** Serves `path` (`/package.Service/Method`) with `handler`. Throws if the path is served already. */
  addMethod(path: string, handler: UnaryHandler): void {
    if (this.#methods.has(path)) throw new Error(`gRPC method ${path} is served already`);
    this.#methods.set(path, handler);
  }

  /**
   * Serves `rpc.service` from its Connect ServiceImpl (see grpcServiceHandlers), `fastPaths`
   * answering the methods they name from the request bytes. Throws, adding nothing, if one of
   * its methods is served already.
   */
  addService<S extends DescService>(rpc: RpcService<S>, fastPaths?: FastPaths<S>): void {
    const handlers = grpcServiceHandlers(rpc, fastPaths);
    for (const path of handlers.keys()) {
      if (this.#methods.has(path)) throw new Error(`gRPC method ${path} is served already`);
    }
    for (const [path, handler] of handlers) this.#methods.set(path, handler);
  }

  /** Listens on host:port (port 0 picks a free one); resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        const target = formatHostPort({ host, port });
        reject(new KatibError('unavailable', `cannot listen for gRPC on ${target}: ${err.message}`));
      };
      this.#h2.once('error', onError);
      this.#h2.listen({ host, port }, () => {
        this.#h2.off('error', onError);
        const address = this.#h2.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });
  }

  /**
   * Stops accepting connections and calls (GOAWAY), waits for calls in flight (their handlers
   * included) for up to `graceMs`, then destroys the connections left. Resolves once done;
   * later calls return the same promise.
   */
  close(graceMs: number): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      let listening = this.#h2.listening;
      const finish = (): void => {
        clearTimeout(timer);
        this.#checkDrained = undefined;
        this.#env.deadlines.clearAll();
        resolve();
      };
      const timer = setTimeout(() => {
        for (const session of this.#sessions) session.destroy();
        finish();
      }, graceMs);
      this.#checkDrained = () => {
        if (!listening && this.#sessions.size === 0 && this.#handlersInFlight === 0) finish();
      };
      if (listening) {
        this.#h2.close(() => {
          listening = false;
          this.#checkDrained?.();
        });
      }
      for (const session of this.#sessions) session.close();
      this.#checkDrained();
    });
    return this.#closing;
  }

  readonly #onSession = (session: http2.ServerHttp2Session): void => {
    this.#sessions.add(session);
    // Errors end the session ('close' follows); its streams see them as their own close.
    session.on('error', ignore);
    session.on('close', () => {
      this.#sessions.delete(session);
      this.#checkDrained?.();
    });
    if (this.#closing !== undefined) session.close();
  };

  readonly #onStream = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void => {
    stream.on('error', ignore);
    if (this.#closing !== undefined) {
      trailersOnly(stream, GrpcStatus.UNAVAILABLE, 'the server is shutting down');
      return;
    }
    if (headers[':method'] !== 'POST') {
      trailersOnly(stream, GrpcStatus.UNIMPLEMENTED, `HTTP method ${headers[':method']} is not POST`, 405);
      return;
    }
    const contentType = headers['content-type'] ?? '';
    if (!GRPC_PROTO.test(contentType)) {
      const isGrpc = contentType.startsWith('application/grpc');
      const why = isGrpc
        ? `content-type ${contentType}: only protobuf messages are served`
        : `content-type ${JSON.stringify(contentType)} is not application/grpc`;
      trailersOnly(
        stream,
        isGrpc ? GrpcStatus.UNIMPLEMENTED : GrpcStatus.INVALID_ARGUMENT,
        why,
        isGrpc ? 200 : 415,
      );
      return;
    }
    const path = headers[':path'] ?? '';
    const handler = this.#methods.get(path);
    if (handler === undefined) {
      trailersOnly(stream, GrpcStatus.UNIMPLEMENTED, `The server does not implement the method ${path}`);
      return;
    }
    const timeout = headers['grpc-timeout'];
    let timeoutMs: number | undefined;
    if (timeout !== undefined) {
      timeoutMs = typeof timeout === 'string' ? parseGrpcTimeout(timeout) : undefined;
      if (timeoutMs === undefined) {
        trailersOnly(
          stream,
          GrpcStatus.INVALID_ARGUMENT,
          `grpc-timeout ${JSON.stringify(timeout)} is malformed`,
        );
        return;
      }
    }
    new ServerCall(stream, headers, handler, this.#env, timeoutMs);
  };
}

const GRPC_PROTO = /^application\/grpc(?:\+proto)?(?:;.*)?$/;

function ignore(): void {}

function trailersOnly(
  stream: http2.ServerHttp2Stream,
  status: number,
  message: string,
  httpStatus = 200,
  extra: http2.OutgoingHttpHeaders = {},
): void {
  if (stream.destroyed || stream.closed) return;
  stream.respond(
    {
      ...extra,
      ':status': httpStatus,
      'content-type': 'application/grpc',
      'grpc-status': String(status),
      'grpc-message': encodeGrpcMessage(message),
    },
    { endStream: true },
  );
  stream.close(http2.constants.NGHTTP2_NO_ERROR);
}
