export { formatHostPort, HOST_PORT_RULE, type HostPort, tryParseHostPort } from './address.js';
export { type Bearer, bearerOf, DbManagerAuth, type DbManagerAuthOptions, MIN_SECRET_BYTES } from './auth.js';
export { authorizeHttp, TOKEN_COOKIE } from './auth-http.js';
export { type AuthSettings, openAuth, readAuthSecretFile, storedAuthSecret } from './auth-secret.js';
export { DB_MANAGER_GRPC, grpcServiceDefinition, HEALTH_GRPC } from './grpc-definition.js';
export type { HttpHandler, HttpRoutes } from './http-routes.js';
export {
  type DbManagerLimits,
  DEFAULT_LIMITS,
  DEFAULT_MAX_CONCURRENT_STREAMS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_MESSAGE_BYTES,
  LIMIT_RANGES,
  limitRule,
  MAX_METRIC_LOGS_PER_REQUEST,
  MAX_NAME_LENGTH,
  MAX_VALUE_LENGTH,
  type RequestLimits,
  resolveLimits,
} from './limits.js';
export { GrpcError, type UnaryCallContext, type UnaryHandler } from './server-call.js';
export { DbManagerService, type DbManagerServiceOptions } from './service.js';
export {
  type DbManagerDatabase,
  type RunningDbManager,
  type StartDbManagerOptions,
  startDbManager,
} from './start.js';
export { readCaFile, readTlsMaterial, type TlsFields, type TlsMaterial } from './tls.js';
export { UnaryGrpcServer, type UnaryGrpcServerOptions } from './unary-grpc-server.js';
