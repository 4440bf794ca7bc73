import type { ServiceImpl } from '@connectrpc/connect';
import { IDEMPOTENCY_KEY_HEADER } from '../api/idempotency-key.js';
import { PUSH_ORIGIN_HEADER } from '../api/push-origin.js';
import { DBManager } from '../gen/api/v1/beta1/api_pb.js';
import {
  type AccessRules,
  accessInterceptor,
  admit,
  admitTrial,
  type DbManagerAuth,
  type RpcService,
  type UnaryHandler,
} from '../rpc/index.js';
import type { DbManagerService } from './service.js';

/** Who may call what (docs/security.md): pushes the trial's token, reads and deletes the operator's. */
export const DB_MANAGER_ACCESS = {
  reportObservationLog: 'trial',
  getObservationLog: 'operator',
  deleteObservationLog: 'operator',
} as const satisfies AccessRules;

/**
 * `api.v1.beta1.DBManager` as both ports serve it: `service`'s methods as a Connect ServiceImpl,
 * behind the access rules when `auth` is given. The `katib-idempotency-key` header goes with
 * each report.
 */
export function dbManagerRpc(service: DbManagerService, auth?: DbManagerAuth): RpcService<typeof DBManager> {
  const impl: ServiceImpl<typeof DBManager> = {
    async reportObservationLog(req, context) {
      const { requestHeader: h } = context;
      await service.reportObservationLog(req, h.get(IDEMPOTENCY_KEY_HEADER), h.get(PUSH_ORIGIN_HEADER));
      return {};
    },
    getObservationLog: (req) => service.getObservationLog(req),
    async deleteObservationLog(req) {
      await service.deleteObservationLog(req);
      return {};
    },
  };
  return {
    service: DBManager,
    impl,
    ...(auth ? { interceptors: [accessInterceptor(auth, DB_MANAGER_ACCESS)] } : {}),
  };
}

const EMPTY = new Uint8Array(0);

/**
 * The gRPC port's fast path for ReportObservationLog, the hot call: the request bytes decoded
 * and checked in one pass by decodeReport (no protobuf-es message, no interceptor chain: see
 * docs/architecture-rpc.md for the measurements), the same access rule as dbManagerRpc's (the
 * token checked before decoding, the trial once its name is read), the same service write.
 */
export function reportFastPath(service: DbManagerService, auth?: DbManagerAuth): UnaryHandler {
  if (auth === undefined) {
    return async (bytes, call) => {
      await service.reportObservationLogBytes(
        bytes,
        call.headers[IDEMPOTENCY_KEY_HEADER],
        undefined,
        call.headers[PUSH_ORIGIN_HEADER],
      );
      return EMPTY;
    };
  }
  const access = DB_MANAGER_ACCESS.reportObservationLog;
  return async (bytes, call) => {
    const bearer = admit(auth, access, 'ReportObservationLog', call.headers.authorization);
    await service.reportObservationLogBytes(
      bytes,
      call.headers[IDEMPOTENCY_KEY_HEADER],
      bearer && ((trialName) => admitTrial(auth, bearer, trialName)),
      call.headers[PUSH_ORIGIN_HEADER],
    );
    return EMPTY;
  };
}
