import { create } from '@bufbuild/protobuf';
import {
  type ServerUnaryCall,
  type sendUnaryData,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import {
  Health,
  type HealthCheckRequest,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
} from '../gen/grpc/health/v1/health_pb.js';

const SERVING: HealthCheckResponse = create(HealthCheckResponseSchema, {
  status: HealthCheckResponse_ServingStatus.SERVING,
});

/**
 * `grpc.health.v1.Health/Check` for a server that is healthy while it runs (it needs no
 * database): SERVING for "", the health service itself and each of `services`; NOT_FOUND for
 * any other name. Katib's readiness probes ask for `manager.v1beta1.Suggestion`, its older
 * package name, so callers list that too.
 */
export function alwaysServingHealth(services: readonly string[]): UntypedServiceImplementation {
  const names = new Set(['', Health.typeName, ...services]);
  return {
    check(
      call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>,
      callback: sendUnaryData<HealthCheckResponse>,
    ): void {
      const name = call.request.service;
      if (names.has(name)) callback(null, SERVING);
      else
        callback({ code: status.NOT_FOUND, details: `service: ${JSON.stringify(name)} is not served here` });
    },
  };
}
