import { type DescService, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';

/**
 * The grpc-js service definition of a protobuf-es service: method paths `/<package.Service>/<Method>`
 * keyed by the methods' local names (`reportObservationLog`), with protobuf-es binary
 * (de)serializers. Serves both `Server.addService` and `makeGenericClientConstructor`.
 */
export function grpcServiceDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    const input = method.input;
    const output = method.output;
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      originalName: method.localName,
      requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
      responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
      // biome-ignore lint/suspicious/noExplicitAny: grpc-js definitions are untyped at this level
      requestSerialize: (message: any) => asBuffer(toBinary(input, message)),
      requestDeserialize: (bytes: Buffer) => fromBinary(input, bytes, BINARY_READ),
      // biome-ignore lint/suspicious/noExplicitAny: grpc-js definitions are untyped at this level
      responseSerialize: (message: any) => asBuffer(toBinary(output, message)),
      responseDeserialize: (bytes: Buffer) => fromBinary(output, bytes, BINARY_READ),
    };
  }
  return definition;
}

// Unknown fields would only be carried along and dropped: skip keeping them.
const BINARY_READ = { readUnknownFields: false } as const;

/** Wraps without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
