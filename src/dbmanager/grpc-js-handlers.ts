import { EventEmitter } from 'node:events';
import type { OutgoingHttpHeaders } from 'node:http2';
import type { DescService } from '@bufbuild/protobuf';
import {
  Metadata,
  type MethodDefinition,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { grpcServiceDefinition } from './grpc-definition.js';
import { GrpcStatus } from './grpc-wire.js';
import { GrpcError, type UnaryCallContext, type UnaryHandler } from './server-call.js';

/**
 * Unary handlers, by path, for a service written the grpc-js way: `definition` (a grpc-js
 * ServiceDefinition, or a protobuf-es service turned into one by grpcServiceDefinition) and an
 * implementation of `(call, callback)` functions, looked up by method name then original name as
 * grpc-js does. A missing method answers UNIMPLEMENTED; streaming methods (Katib has none)
 * answer UNIMPLEMENTED too. The call object has what grpc-js handlers use of ServerUnaryCall:
 * `request`, `metadata`, `cancelled` (and the 'cancelled' event), `getPeer`, `getDeadline`,
 * `getPath`, `getHost`, `sendMetadata`; the callback takes `(error, reply, trailer)` where an
 * error's `code`, `details` and `metadata` become the status, message and trailers.
 */
export function grpcJsHandlers(
  service: ServiceDefinition | DescService,
  implementation: UntypedServiceImplementation,
): Map<string, UnaryHandler> {
  const definition = isDescService(service) ? grpcServiceDefinition(service) : service;
  const handlers = new Map<string, UnaryHandler>();
  for (const [name, method] of Object.entries(definition) as [string, MethodDefinition<unknown, unknown>][]) {
    let impl = implementation[name];
    if (impl === undefined && typeof method.originalName === 'string')
      impl = implementation[method.originalName];
    if (impl === undefined || method.requestStream || method.responseStream) {
      const why =
        impl === undefined
          ? `The server does not implement the method ${method.path}`
          : `${method.path} is a streaming method; this server serves unary methods only`;
      handlers.set(method.path, () => {
        throw new GrpcError(GrpcStatus.UNIMPLEMENTED, why);
      });
      continue;
    }
    const handle = impl.bind(implementation) as unknown as GrpcJsUnary;
    handlers.set(method.path, (bytes, context) => {
      let request: unknown;
      try {
        request = method.requestDeserialize(bytes);
      } catch (err) {
        throw new GrpcError(
          GrpcStatus.INVALID_ARGUMENT,
          `the request is not a valid message for ${method.path}: ${err instanceof Error ? err.message : err}`,
        );
      }
      return new Promise<Uint8Array>((resolve, reject) => {
        const returned = handle(new GrpcJsCall(request, context), (error, reply, trailer) => {
          if (error) {
            reject(statusError(error));
            return;
          }
          if (trailer) context.responseTrailers = toHeaders(trailer);
          try {
            resolve(method.responseSerialize(reply));
          } catch (err) {
            reject(err);
          }
        });
        // An async handler that throws before calling back fails its call, not the process.
        if (returned instanceof Promise) returned.catch(reject);
      });
    });
  }
  return handlers;
}

type GrpcJsUnary = (
  call: GrpcJsCall,
  callback: (error: unknown, reply?: unknown, trailer?: Metadata) => void,
) => unknown;

function isDescService(service: ServiceDefinition | DescService): service is DescService {
  return (service as DescService).kind === 'service' && typeof (service as DescService).typeName === 'string';
}

/** grpc-js's ServiceError-like `{code, details, metadata}`, or an Error (UNKNOWN, as grpc-js answers it). */
function statusError(error: unknown): GrpcError {
  const { code, details, message, metadata } = error as {
    code?: unknown;
    details?: unknown;
    message?: unknown;
    metadata?: unknown;
  };
  const status = typeof code === 'number' && code > 0 && code <= 16 ? code : GrpcStatus.UNKNOWN;
  const text =
    typeof details === 'string' ? details : typeof message === 'string' ? message : 'unknown error';
  return new GrpcError(status, text, metadata instanceof Metadata ? toHeaders(metadata) : undefined);
}

/** Metadata as HTTP/2 headers, less the ones the server sets itself. */
function toHeaders(metadata: Metadata): OutgoingHttpHeaders {
  const headers = metadata.toHttp2Headers();
  for (const reserved of ['grpc-status', 'grpc-message', 'content-type', ':status']) delete headers[reserved];
  return headers;
}

class GrpcJsCall extends EventEmitter {
  readonly request: unknown;
  readonly #context: UnaryCallContext;
  #metadata: Metadata | undefined;

  constructor(request: unknown, context: UnaryCallContext) {
    super();
    this.request = request;
    this.#context = context;
    context.onCancel = () => this.emit('cancelled', 'cancelled');
  }

  get cancelled(): boolean {
    return this.#context.cancelled;
  }

  get metadata(): Metadata {
    this.#metadata ??= Metadata.fromHttp2Headers(this.#context.headers);
    return this.#metadata;
  }

  getPeer(): string {
    return this.#context.peer();
  }

  getPath(): string {
    return this.#context.path;
  }

  getHost(): string {
    return String(this.#context.headers[':authority'] ?? '');
  }

  getDeadline(): Date | number {
    const at = this.#context.deadline;
    return at === Number.POSITIVE_INFINITY ? at : new Date(at);
  }

  sendMetadata(metadata: Metadata): void {
    this.#context.responseHeaders = { ...this.#context.responseHeaders, ...toHeaders(metadata) };
  }
}
