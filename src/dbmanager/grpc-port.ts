import { DBManager } from '../gen/api/v1/beta1/api_pb.js';
import { type DbManagerAuth, healthService, UnaryGrpcServer } from '../rpc/index.js';
import type { HealthProbe } from './health.js';
import type { DbManagerLimits } from './limits.js';
import { dbManagerRpc, reportFastPath } from './rpc-service.js';
import type { DbManagerService } from './service.js';

/**
 * The DB manager's gRPC port, not yet listening: `api.v1.beta1.DBManager` (ReportObservationLog
 * through its fast path) and `grpc.health.v1.Health/Check` (SERVING while the database answers;
 * open when auth is on). With `tls`, HTTP/2 over TLS.
 */
export function createGrpcPort(
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
  server.addService(dbManagerRpc(service, auth), { reportObservationLog: reportFastPath(service, auth) });
  server.addService(healthService([DBManager.typeName], () => probe.serving()));
  return server;
}
