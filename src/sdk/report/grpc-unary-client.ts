import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { DeadlineWatch } from '../../api/deadline-watch.js';
import { codeOfGrpcStatus, KatibError } from '../../api/errors.js';
import { codeOfHttpStatus } from '../../api/retry-policy.js';

export interface GrpcUnaryClientOptions {
  /** Sent as `authorization: Bearer <token>` on every call. */
  token?: string;
  /** PEM CA file trusted for an `https://` authority (default: the system's CAs). */
  caFile?: string;
}

/**
 * A minimal gRPC unary client over node:http2: cleartext HTTP/2 with prior knowledge (or TLS with
 * ALPN h2 for an `https://` authority), one kept session per client, per-call metadata as plain
 * ASCII headers plus an optional bearer token, no compression. Enough for Katib's DB manager and
 * for any gRPC server (grpc-go, grpc-js).
 *
 * Why not @grpc/grpc-js, the project's gRPC library: measured on this machine, one process
 * awaiting unary calls reaches ~47% of a bare node:http2 round-trip rate with grpc-js as the
 * client, and importing it costs more than the whole 50 ms budget of "import and one
 * report" that every trial pays. Measured here with bench/push.ts's figures (2 cores, shared,
 * load 5-9): against a bare node:http2 server answering like gRPC at zero cost, this client
 * makes 5,800-8,700 awaited calls/s, 46-72% of bare node:http2 round trips in the same run
 * (raw client ~50 us CPU per call, this one ~70-90 us: headers te/grpc-timeout, the trailers
 * event, encoding, promises); import plus one report adds 32-50 ms to `node -e 0`.
 *
 * Contract of `call`: resolves with the reply message's bytes on grpc-status 0; otherwise
 * rejects with a KatibError whose code is the gRPC status's (or the HTTP status's, mapped as
 * the gRPC spec says). Anything that means "the server is not there or went away" (connection
 * refused/reset, GOAWAY, a stream reset by the peer, the session closing) is code
 * `unavailable`, the one code a caller should retry. A call that outlives `timeoutMs` is
 * cancelled and rejects `deadline_exceeded`. While calls are in flight the session keeps the
 * process alive; an idle session does not.
 */
export class GrpcUnaryClient {
  readonly #url: URL;
  readonly #deadlines = new DeadlineWatch();
  readonly #headers: http2.OutgoingHttpHeaders;
  readonly #ca: Buffer | undefined;
  #conn: Connection | undefined;
  #closed = false;

  /**
   * `authority` is `http://host:port` or `https://host:port`. Nothing connects until the first
   * call. Throws `invalid_argument` (field `caFile`) for a CA file that cannot be read.
   */
  constructor(authority: string, options: GrpcUnaryClientOptions = {}) {
    this.#url = new URL(authority);
    this.#headers = options.token ? { authorization: `Bearer ${options.token}` } : {};
    if (options.caFile !== undefined && this.#url.protocol === 'https:') {
      try {
        this.#ca = readFileSync(options.caFile);
      } catch (err) {
        throw new KatibError(
          'invalid_argument',
          `caFile: ${JSON.stringify(options.caFile)} cannot be read: ${(err as Error).message}`,
          { field: 'caFile' },
        );
      }
    }
  }

  /** `metadata`: extra request headers (lower-case names, ASCII values), e.g. an idempotency key. */
  call(
    path: string,
    frame: Buffer,
    timeoutMs: number,
    metadata?: Readonly<Record<string, string>>,
  ): Promise<Buffer> {
    if (this.#closed) return Promise.reject(new KatibError('cancelled', 'the gRPC client is closed'));
    const conn = this.#connection();
    return new Promise<Buffer>((resolve, reject) =>
      unaryCall(
        conn,
        this.#deadlines,
        path,
        frame,
        timeoutMs,
        metadata ? { ...this.#headers, ...metadata } : this.#headers,
        resolve,
        reject,
      ),
    );
  }

  /** Closes the session once in-flight calls end; later calls reject `cancelled`. */
  close(): Promise<void> {
    this.#closed = true;
    const conn = this.#conn;
    this.#conn = undefined;
    if (!conn || conn.session.closed || conn.session.destroyed) return Promise.resolve();
    // Referenced while closing, or a caller awaiting close() at top level would see the
    // process quit under it (exit code 13, unsettled top-level await).
    conn.session.ref();
    return new Promise((resolve) => conn.session.close(() => resolve()));
  }

  #connection(): Connection {
    const current = this.#conn;
    if (current && !current.dead) return current;
    const { hostname, port } = this.#url;
    const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    const secure = this.#url.protocol === 'https:';
    const ca = this.#ca;
    const session = http2.connect(this.#url, {
      // Small request/response pairs: Nagle's algorithm would hold each one back.
      createConnection: secure
        ? () =>
            tls
              .connect({
                host,
                port: Number(port),
                ALPNProtocols: ['h2'],
                ...(net.isIP(host) ? {} : { servername: host }),
                ...(ca ? { ca } : {}),
              })
              .setNoDelay(true)
        : () => net.connect({ host, port: Number(port), noDelay: true }),
      settings: { enablePush: false },
    });
    const conn: Connection = { session, inFlight: 0, dead: false, failure: undefined };
    const retire = (err?: Error) => {
      conn.dead = true;
      if (err && !conn.failure) conn.failure = err;
      if (this.#conn === conn) this.#conn = undefined;
    };
    // Errors reach every open stream too; here they only retire the session.
    session.on('error', retire);
    session.on('goaway', () => {
      retire(new Error('the server sent GOAWAY'));
      // Streams the server accepted still finish; then the socket goes.
      if (!session.closed) session.close();
    });
    session.on('close', () => retire());
    session.unref();
    this.#conn = conn;
    return conn;
  }
}

interface Connection {
  session: http2.ClientHttp2Session;
  inFlight: number;
  /** Set on GOAWAY, error or close: no new streams go on it. */
  dead: boolean;
  failure: Error | undefined;
}

const {
  HTTP2_HEADER_STATUS,
  HTTP2_HEADER_CONTENT_TYPE,
  NGHTTP2_CANCEL,
  NGHTTP2_NO_ERROR,
  NGHTTP2_REFUSED_STREAM,
  NGHTTP2_ENHANCE_YOUR_CALM,
} = http2.constants;

function unaryCall(
  conn: Connection,
  deadlines: DeadlineWatch,
  path: string,
  frame: Buffer,
  timeoutMs: number,
  extraHeaders: http2.OutgoingHttpHeaders,
  resolve: (reply: Buffer) => void,
  reject: (err: KatibError) => void,
): void {
  const { session } = conn;
  if (conn.inFlight++ === 0) session.ref();
  let stream: http2.ClientHttp2Stream;
  try {
    stream = session.request(
      {
        ...extraHeaders,
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        // Whole seconds (rounded up): the same value call after call, so HPACK sends it as
        // an index; the deadline itself is kept here to the millisecond.
        'grpc-timeout': `${Math.max(1, Math.ceil(timeoutMs / 1000))}S`,
      },
      { endStream: false },
    );
  } catch (err) {
    conn.dead = true;
    if (--conn.inFlight === 0) session.unref();
    reject(unavailable(err, conn));
    return;
  }

  let httpStatus: number | undefined;
  let grpcStatus: number | undefined;
  let grpcMessage = '';
  let contentType = '';
  let streamError: Error | undefined;
  let timedOut = false;
  const chunks: Buffer[] = [];
  const readStatus = (headers: http2.IncomingHttpHeaders) => {
    const status = headers['grpc-status'];
    if (status === undefined) return;
    grpcStatus = Number(status);
    grpcMessage = decodeMessage(headers['grpc-message']);
  };
  const deadline = deadlines.add(timeoutMs, () => {
    timedOut = true;
    stream.close(NGHTTP2_CANCEL);
  });

  stream.on('response', (headers) => {
    httpStatus = Number(headers[HTTP2_HEADER_STATUS]);
    contentType = String(headers[HTTP2_HEADER_CONTENT_TYPE] ?? '');
    readStatus(headers); // trailers-only reply
  });
  stream.on('trailers', readStatus);
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('error', (err) => {
    streamError = err;
  });
  stream.on('close', () => {
    deadlines.clear(deadline);
    if (--conn.inFlight === 0 && !session.destroyed) session.unref();
    if (timedOut) {
      reject(new KatibError('deadline_exceeded', `no reply within ${Math.round(timeoutMs)} ms`));
    } else if (grpcStatus === 0) {
      const reply = unframe(Buffer.concat(chunks));
      if (reply instanceof KatibError) reject(reply);
      else resolve(reply);
    } else if (grpcStatus !== undefined) {
      reject(new KatibError(codeOfGrpcStatus(grpcStatus), grpcMessage || `gRPC status ${grpcStatus}`));
    } else if (
      httpStatus !== undefined &&
      (httpStatus !== 200 || !contentType.startsWith('application/grpc'))
    ) {
      reject(httpError(httpStatus, contentType));
    } else {
      reject(transportError(stream.rstCode, streamError, conn));
    }
  });
  stream.end(frame);
}

/** grpc-message is percent-encoded (gRPC HTTP/2 spec). */
function decodeMessage(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The message of a length-prefixed, uncompressed gRPC reply frame. */
function unframe(data: Buffer): Buffer | KatibError {
  if (data.length < 5)
    return new KatibError('internal', `the reply has ${data.length} bytes, not a gRPC message`);
  if (data[0] !== 0) return new KatibError('internal', 'the reply is compressed, which was not asked for');
  const length = data.readUInt32BE(1);
  if (data.length !== 5 + length) {
    return new KatibError('internal', `the reply frame says ${length} bytes but carries ${data.length - 5}`);
  }
  return data.subarray(5);
}

/** HTTP status -> gRPC code, as the gRPC spec maps replies from proxies and non-gRPC servers. */
function httpError(status: number, contentType: string): KatibError {
  const what = status === 200 ? `content-type ${JSON.stringify(contentType)}` : `HTTP status ${status}`;
  return new KatibError(codeOfHttpStatus(status), `the server answered ${what}, not gRPC`);
}

/** A stream that ended with no gRPC status: the peer or the connection went away. */
function transportError(rstCode: number, err: Error | undefined, conn: Connection): KatibError {
  if (rstCode === NGHTTP2_ENHANCE_YOUR_CALM) {
    return new KatibError('resource_exhausted', 'the server reset the stream: ENHANCE_YOUR_CALM');
  }
  if (err === undefined && rstCode === NGHTTP2_NO_ERROR && !conn.dead) {
    return new KatibError('internal', 'the server ended the stream without a gRPC status');
  }
  // REFUSED_STREAM, CANCEL from a server shutting down, GOAWAY, ECONNREFUSED, ECONNRESET:
  // the request may not have been processed, so it is worth another try.
  if (err === undefined && rstCode !== NGHTTP2_NO_ERROR) {
    const why = rstCode === NGHTTP2_REFUSED_STREAM ? 'REFUSED_STREAM' : `code ${rstCode}`;
    return new KatibError('unavailable', `the server reset the stream (${why})`);
  }
  return unavailable(err, conn);
}

function unavailable(err: unknown, conn: Connection): KatibError {
  // A stream cancelled because its session failed carries the session's error as its cause.
  const cause = conn.failure ?? (err instanceof Error && err.cause instanceof Error ? err.cause : err);
  const message = cause instanceof Error ? cause.message : String(cause ?? 'the connection closed');
  return new KatibError('unavailable', message, { cause });
}
