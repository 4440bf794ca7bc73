/**
 * Katib's DBManager service (ReportObservationLog, GetObservationLog, DeleteObservationLog) over
 * an ObservationStore, its health, and startDbManager, which serves it on the gRPC and HTTP
 * ports through src/rpc. Auth and TLS types are re-exported because startDbManager takes them.
 */

export {
  DbManagerAuth,
  type HttpHandler,
  readCaFile,
  readTlsMaterial,
  type TlsMaterial,
} from '../rpc/index.js';
export { type AuthSettings, openAuth, readAuthSecretFile, storedAuthSecret } from './auth-secret.js';
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
export { DbManagerService, type DbManagerServiceOptions } from './service.js';
export {
  type DbManagerDatabase,
  type RunningDbManager,
  type StartDbManagerOptions,
  startDbManager,
} from './start.js';
