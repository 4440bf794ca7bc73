import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import {
  Health,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
} from '../gen/grpc/health/v1/health_pb.js';
import type { RpcService } from './grpc-service-handlers.js';

const SERVING = create(HealthCheckResponseSchema, { status: HealthCheckResponse_ServingStatus.SERVING });
const NOT_SERVING = create(HealthCheckResponseSchema, {
  status: HealthCheckResponse_ServingStatus.NOT_SERVING,
});

/**
 * gRPC's standard `grpc.health.v1.Health/Check` (Watch and List are not served): for "", the
 * health service itself and each of `services`, SERVING while `serving()` says so and
 * NOT_SERVING otherwise; NOT_FOUND for any other name. Open to everyone when auth is on.
 */
export function healthService(
  services: readonly string[],
  serving: () => boolean | Promise<boolean> = () => true,
): RpcService<typeof Health> {
  const names = new Set(['', Health.typeName, ...services]);
  const impl: Partial<ServiceImpl<typeof Health>> = {
    async check(request) {
      if (!names.has(request.service)) {
        throw new ConnectError(
          `service: ${JSON.stringify(request.service)} is not served here`,
          Code.NotFound,
        );
      }
      return (await serving()) ? SERVING : NOT_SERVING;
    },
  };
  return { service: Health, impl };
}
