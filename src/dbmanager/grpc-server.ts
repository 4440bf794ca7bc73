import { create } from '@bufbuild/protobuf';
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { KatibError } from '../api/errors.js';
import {
  DBManager,
  type DeleteObservationLogReply,
  DeleteObservationLogReplySchema,
  type DeleteObservationLogRequest,
  type GetObservationLogReply,
  type GetObservationLogRequest,
  type ReportObservationLogReply,
  ReportObservationLogReplySchema,
  type ReportObservationLogRequest,
} from '../gen/api/v1/beta1/api_pb.js';
import {
  Health,
  type HealthCheckRequest,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
} from '../gen/grpc/health/v1/health_pb.js';
import { toGrpcStatus } from './errors.js';
import { grpcServiceDefinition } from './grpc-definition.js';
import type { HealthProbe } from './health.js';
import type { DbManagerService } from './service.js';

export const DB_MANAGER_GRPC = grpcServiceDefinition(DBManager);
export const HEALTH_GRPC = grpcServiceDefinition(Health);

/** Service names that Health/Check answers; any other is NOT_FOUND. */
const HEALTH_SERVICES = new Set(['', Health.typeName, DBManager.typeName]);

const REPORT_REPLY: ReportObservationLogReply = create(ReportObservationLogReplySchema);
const DELETE_REPLY: DeleteObservationLogReply = create(DeleteObservationLogReplySchema);
const SERVING: HealthCheckResponse = create(HealthCheckResponseSchema, {
  status: HealthCheckResponse_ServingStatus.SERVING,
});
const NOT_SERVING: HealthCheckResponse = create(HealthCheckResponseSchema, {
  status: HealthCheckResponse_ServingStatus.NOT_SERVING,
});

/**
 * A grpc-js server (cleartext HTTP/2, as Katib's clients dial) with `api.v1.beta1.DBManager` and
 * `grpc.health.v1.Health/Check`, not yet bound. Handlers are made once here: a call costs the
 * service's own work plus one async frame.
 */
export function createGrpcServer(
  service: DbManagerService,
  probe: HealthProbe,
  maxMessageBytes: number,
): Server {
  const server = new Server({
    'grpc.max_receive_message_length': maxMessageBytes,
    // Channelz stays on, though nothing reads it: grpc-js 1.14 without it does not track sessions,
    // and forceShutdown then leaves in-flight calls running past the drain timeout.
  });
  const dbManager: UntypedServiceImplementation = {
    async reportObservationLog(
      call: ServerUnaryCall<ReportObservationLogRequest, ReportObservationLogReply>,
      callback: sendUnaryData<ReportObservationLogReply>,
    ): Promise<void> {
      try {
        await service.reportObservationLog(call.request);
      } catch (err) {
        callback(toGrpcStatus(err));
        return;
      }
      callback(null, REPORT_REPLY);
    },
    async getObservationLog(
      call: ServerUnaryCall<GetObservationLogRequest, GetObservationLogReply>,
      callback: sendUnaryData<GetObservationLogReply>,
    ): Promise<void> {
      let reply: GetObservationLogReply;
      try {
        reply = await service.getObservationLog(call.request);
      } catch (err) {
        callback(toGrpcStatus(err));
        return;
      }
      callback(null, reply);
    },
    async deleteObservationLog(
      call: ServerUnaryCall<DeleteObservationLogRequest, DeleteObservationLogReply>,
      callback: sendUnaryData<DeleteObservationLogReply>,
    ): Promise<void> {
      try {
        await service.deleteObservationLog(call.request);
      } catch (err) {
        callback(toGrpcStatus(err));
        return;
      }
      callback(null, DELETE_REPLY);
    },
  };
  const health: UntypedServiceImplementation = {
    async check(
      call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>,
      callback: sendUnaryData<HealthCheckResponse>,
    ): Promise<void> {
      const name = call.request.service;
      if (!HEALTH_SERVICES.has(name)) {
        callback({ code: status.NOT_FOUND, details: `service: ${JSON.stringify(name)} is not served here` });
        return;
      }
      callback(null, (await probe.serving()) ? SERVING : NOT_SERVING);
    },
  };
  server.addService(DB_MANAGER_GRPC, dbManager);
  server.addService(HEALTH_GRPC, health);
  return server;
}

/** Binds `host:port` (port 0 picks a free one) and resolves with the bound port. */
export function bindGrpc(server: Server, host: string, port: number): Promise<number> {
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(target, ServerCredentials.createInsecure(), (err, bound) => {
      if (err) reject(new KatibError('unavailable', `cannot listen for gRPC on ${target}: ${err.message}`));
      else resolve(bound);
    });
  });
}

/**
 * Stops accepting calls, lets in-flight calls finish for up to `graceMs`, then cuts the rest.
 */
export function shutdownGrpc(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
