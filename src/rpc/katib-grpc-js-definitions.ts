import { DBManager } from '../gen/api/v1/beta1/api_pb.js';
import { Health } from '../gen/grpc/health/v1/health_pb.js';
import { grpcServiceDefinition } from './grpc-js-definition.js';

/** For grpc-js clients of the DB manager (tests, the early stopping service's log reader, bench). */
export const DB_MANAGER_GRPC = grpcServiceDefinition(DBManager);
export const HEALTH_GRPC = grpcServiceDefinition(Health);
