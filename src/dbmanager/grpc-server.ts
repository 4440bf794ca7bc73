import { create, type DescMessage, fromBinary, type MessageShape, toBinary } from '@bufbuild/protobuf';
import { KatibError } from '../api/errors.js';
import { IDEMPOTENCY_KEY_HEADER } from '../api/idempotency-key.js';
import { PUSH_ORIGIN_HEADER } from '../api/push-origin.js';
import {
  DBManager,
  DeleteObservationLogRequestSchema,
  GetObservationLogReplySchema,
  GetObservationLogRequestSchema,
} from '../gen/api/v1/beta1/api_pb.js';
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
} from '../gen/grpc/health/v1/health_pb.js';
import { bearerOf, type DbManagerAuth } from './auth.js';
import { GrpcStatus } from './grpc-wire.js';
import type { HealthProbe } from './health.js';
import type { DbManagerLimits } from './limits.js';
import { GrpcError } from './server-call.js';
import type { DbManagerService } from './service.js';
import { UnaryGrpcServer } from './unary-grpc-server.js';

/** Service names that Health/Check answers; any other is NOT_FOUND. */
const HEALTH_SERVICES = new Set(['', Health.typeName, DBManager.typeName]);

const EMPTY = new Uint8Array(0);
const SERVING = toBinary(
  HealthCheckResponseSchema,
  create(HealthCheckResponseSchema, { status: HealthCheckResponse_ServingStatus.SERVING }),
);
const NOT_SERVING = toBinary(
  HealthCheckResponseSchema,
  create(HealthCheckResponseSchema, { status: HealthCheckResponse_ServingStatus.NOT_SERVING }),
);

/**
 * The DB manager's gRPC server (see UnaryGrpcServer), not yet listening: `api.v1.beta1.DBManager`
 * and `grpc.health.v1.Health/Check`. The empty replies are constant bytes. With `auth`, pushes
 * need the trial's token (or the operator's), reads and deletes the operator token, checked before
 * anything is stored or read; health stays open. With `tls`, HTTP/2 over TLS.
 */
export function createGrpcServer(
  service: DbManagerService,
  probe: HealthProbe,
  limits: Pick<DbManagerLimits, 'maxMessageBytes' | 'maxConnections' | 'maxConcurrentStreams'>,
  onConnectionsDropped?: (dropped: number, maxConnections: number) => void,
  auth?: DbManagerAuth,
  tls?: { cert: Buffer; key: Buffer },
): UnaryGrpcServer {
  const server = new UnaryGrpcServer({
    maxReceiveMessageBytes: limits.maxMessageBytes,
    maxConcurrentStreams: limits.maxConcurrentStreams,
    maxConnections: limits.maxConnections,
    ...(onConnectionsDropped ? { onConnectionsDropped } : {}),
    ...(tls ? { tls } : {}),
  });
  const path = (name: string) => `/${DBManager.typeName}/${name}`;
  server.addMethod(path('ReportObservationLog'), async (bytes, call) => {
    const key = call.headers[IDEMPOTENCY_KEY_HEADER];
    const origin = call.headers[PUSH_ORIGIN_HEADER];
    if (auth === undefined) await service.reportObservationLogBytes(bytes, key, undefined, origin);
    else {
      const bearer = auth.requireToken(bearerOf(call.headers.authorization), 'ReportObservationLog');
      await service.reportObservationLogBytes(
        bytes,
        key,
        auth.isOperator(bearer) ? undefined : (trialName) => auth.requireTrial(bearer, trialName),
        origin,
      );
    }
    return EMPTY;
  });
  server.addMethod(path('GetObservationLog'), async (bytes, call) => {
    auth?.requireOperator(bearerOf(call.headers.authorization), 'GetObservationLog');
    const reply = await service.getObservationLog(decode(GetObservationLogRequestSchema, bytes));
    return toBinary(GetObservationLogReplySchema, reply);
  });
  server.addMethod(path('DeleteObservationLog'), async (bytes, call) => {
    auth?.requireOperator(bearerOf(call.headers.authorization), 'DeleteObservationLog');
    await service.deleteObservationLog(decode(DeleteObservationLogRequestSchema, bytes));
    return EMPTY;
  });
  server.addMethod(`/${Health.typeName}/Check`, async (bytes) => {
    const name = decode(HealthCheckRequestSchema, bytes).service;
    if (!HEALTH_SERVICES.has(name)) {
      throw new GrpcError(GrpcStatus.NOT_FOUND, `service: ${JSON.stringify(name)} is not served here`);
    }
    return (await probe.serving()) ? SERVING : NOT_SERVING;
  });
  return server;
}

// Unknown fields would only be carried along and dropped: skip keeping them.
const BINARY_READ = { readUnknownFields: false } as const;

/** protobuf-es decoding; bytes that are not such a message are INVALID_ARGUMENT. */
function decode<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array): MessageShape<Desc> {
  try {
    return fromBinary(schema, bytes, BINARY_READ);
  } catch (err) {
    throw new KatibError(
      'invalid_argument',
      `request: not a valid ${schema.typeName}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
