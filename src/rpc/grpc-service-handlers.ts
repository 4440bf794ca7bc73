import type http2 from 'node:http2';
import {
  create,
  type DescMessage,
  type DescMethodUnary,
  type DescService,
  fromBinary,
  isMessage,
  toBinary,
} from '@bufbuild/protobuf';
import {
  Code,
  ConnectError,
  createHandlerContext,
  type HandlerContext,
  type Interceptor,
  type ServiceImpl,
  type UnaryRequest,
  type UnaryResponse,
} from '@connectrpc/connect';
import { KatibError } from '../api/errors.js';
import { GrpcStatus } from './grpc-wire.js';
import { GrpcError, type UnaryCallContext, type UnaryHandler } from './server-call.js';

/**
 * A service as both ports serve it: the protobuf-es descriptor, a Connect `ServiceImpl` (each
 * method `(request, context) => reply`; errors thrown as KatibError or ConnectError), and the
 * interceptors that run around each of its calls (first = outermost), on either port.
 */
export interface RpcService<S extends DescService = DescService> {
  service: S;
  impl: Partial<ServiceImpl<S>>;
  interceptors?: readonly Interceptor[];
}

/** Methods (by local name) served from their request bytes instead, skipping decoding and interceptors. */
export type FastPaths<S extends DescService> = Partial<Record<keyof S['method'], UnaryHandler>>;

// Unknown fields would only be carried along and dropped: skip keeping them.
const BINARY_READ = { readUnknownFields: false } as const;

/**
 * The UnaryGrpcServer handlers, by path (`/package.Service/Method`), of a service written as a
 * Connect ServiceImpl: the request decoded with protobuf-es (bytes that are not such a message:
 * INVALID_ARGUMENT "request: not a valid <type>: ..."), the interceptors run as Connect runs
 * them (same UnaryRequest/UnaryResponse, a HandlerContext with the call's metadata, deadline and
 * cancellation), the reply encoded. A method without an implementation, or a streaming one,
 * answers UNIMPLEMENTED. A ConnectError keeps its code, raw message and metadata (sent as
 * trailers); anything else goes to the server's error mapping (KatibError's code and message).
 * `fastPaths` replace the generated handler of the methods they name.
 */
export function grpcServiceHandlers<S extends DescService>(
  { service, impl, interceptors = [] }: RpcService<S>,
  fastPaths: FastPaths<S> = {},
): Map<string, UnaryHandler> {
  const handlers = new Map<string, UnaryHandler>();
  for (const method of service.methods) {
    const path = `/${service.typeName}/${method.name}`;
    const fast = (fastPaths as Record<string, UnaryHandler | undefined>)[method.localName];
    if (fast !== undefined) {
      handlers.set(path, fast);
      continue;
    }
    const fn = (impl as Record<string, unknown>)[method.localName];
    if (typeof fn !== 'function' || method.methodKind !== 'unary') {
      const why =
        typeof fn !== 'function'
          ? `The server does not implement the method ${path}`
          : `${path} is a streaming method; this server serves unary methods only`;
      handlers.set(path, () => {
        throw new GrpcError(GrpcStatus.UNIMPLEMENTED, why);
      });
      continue;
    }
    const call = fn.bind(impl) as (request: unknown, context: HandlerContext) => unknown;
    handlers.set(path, unaryHandler(service, method as DescMethodUnary, call, interceptors));
  }
  return handlers;
}

function unaryHandler(
  service: DescService,
  method: DescMethodUnary,
  impl: (request: unknown, context: HandlerContext) => unknown,
  interceptors: readonly Interceptor[],
): UnaryHandler {
  const output = method.output;
  return async (bytes, call) => {
    const message = decode(method.input, bytes);
    const context = createHandlerContext({
      service,
      method,
      protocolName: 'grpc',
      requestMethod: 'POST',
      url: call.path,
      requestHeader: requestHeaders(call.headers),
      ...(Number.isFinite(call.deadline) ? { timeoutMs: Math.max(0, call.deadline - Date.now()) } : {}),
    });
    call.onCancel = () => context.abort(new ConnectError('the call was cancelled', Code.Canceled));
    const invoke = async (req: UnaryRequest): Promise<UnaryResponse> => {
      const reply = await impl(req.message, { ...context, requestHeader: req.header, signal: req.signal });
      return {
        stream: false,
        service,
        method,
        header: context.responseHeader,
        trailer: context.responseTrailer,
        message: normalize(output, reply),
      } as UnaryResponse;
    };
    // Connect's own order: the first interceptor is the outermost.
    let next = invoke as unknown as (req: UnaryRequest) => Promise<UnaryResponse>;
    for (let i = interceptors.length - 1; i >= 0; i--) next = interceptors[i]!(next as never) as never;
    try {
      const response = await next({
        stream: false,
        service,
        method,
        requestMethod: 'POST',
        url: call.path,
        signal: context.signal,
        header: context.requestHeader,
        contextValues: context.values,
        message,
      } as UnaryRequest);
      setResponseMetadata(call, response.header, response.trailer);
      return toBinary(output, response.message);
    } catch (err) {
      throw grpcErrorOf(err);
    } finally {
      call.onCancel = undefined;
      context.abort();
    }
  };
}

/** protobuf-es decoding; bytes that are not such a message are INVALID_ARGUMENT. */
export function decode<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array) {
  try {
    return fromBinary(schema, bytes, BINARY_READ);
  } catch (err) {
    throw new KatibError(
      'invalid_argument',
      `request: not a valid ${schema.typeName}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

function normalize(schema: DescMessage, reply: unknown) {
  return isMessage(reply, schema) ? reply : create(schema, reply as never);
}

/** The call's metadata as Fetch Headers, without HTTP/2 pseudo-headers. */
function requestHeaders(headers: http2.IncomingHttpHeaders): Headers {
  const out = new Headers();
  try {
    for (const [name, value] of Object.entries(headers)) {
      if (name.startsWith(':') || value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) out.append(name, v);
      else out.append(name, value);
    }
  } catch (err) {
    throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, `request metadata: ${(err as Error).message}`);
  }
  return out;
}

function setResponseMetadata(call: UnaryCallContext, header: Headers, trailer: Headers): void {
  if (hasAny(header)) call.responseHeaders = { ...call.responseHeaders, ...toOutgoing(header) };
  if (hasAny(trailer)) call.responseTrailers = { ...call.responseTrailers, ...toOutgoing(trailer) };
}

/** A ConnectError as the gRPC status it names (its metadata as trailers); anything else as it is. */
function grpcErrorOf(err: unknown): unknown {
  if (!(err instanceof ConnectError)) return err;
  return new GrpcError(err.code, err.rawMessage, hasAny(err.metadata) ? toOutgoing(err.metadata) : undefined);
}

function hasAny(headers: Headers): boolean {
  for (const _ of headers.keys()) return true;
  return false;
}

// The server sets these itself.
const RESERVED = new Set(['grpc-status', 'grpc-message', 'content-type']);

function toOutgoing(headers: Headers): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (const [name, value] of headers) if (!RESERVED.has(name)) out[name] = value;
  return out;
}
