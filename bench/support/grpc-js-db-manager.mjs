// BENCH_IMPL=grpc-js: the DB manager's gRPC port on @grpc/grpc-js + protobuf-es instead of
// UnaryGrpcServer and the hand decoder: the same DbManagerService (group commit, the same
// concurrent writes per dialect, the same checks), DBManager and nothing else.
import { create } from '@bufbuild/protobuf';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { grpcStatusOf, KatibError } from '../../dist/api/errors.js';
import { DbManagerService } from '../../dist/dbmanager/index.js';
import {
  DeleteObservationLogReplySchema,
  ReportObservationLogReplySchema,
} from '../../dist/gen/api/v1/beta1/api_pb.js';
import { DB_MANAGER_GRPC } from '../../dist/rpc/index.js';

/** Serves `db` on a free loopback port; resolves with {grpcAddress, close()}. */
export async function startGrpcJsDbManager(db) {
  const service = new DbManagerService({
    store: db.observations,
    groupCommit: true,
    maxConcurrentWrites: db.dialect === undefined || db.dialect === 'sqlite' ? 1 : 8,
  });
  const unary = (handle) => (call, callback) => {
    handle(call).then(
      (reply) => callback(null, reply),
      (err) => {
        const katib = KatibError.from(err);
        callback({ code: grpcStatusOf(katib.code), details: katib.message });
      },
    );
  };
  const server = new Server({ 'grpc.max_receive_message_length': 4 * 1024 * 1024 });
  server.addService(DB_MANAGER_GRPC, {
    reportObservationLog: unary(async (call) => {
      await service.reportObservationLog(call.request, call.metadata.get('katib-idempotency-key')[0]);
      return create(ReportObservationLogReplySchema);
    }),
    getObservationLog: unary((call) => service.getObservationLog(call.request)),
    deleteObservationLog: unary(async (call) => {
      await service.deleteObservationLog(call.request);
      return create(DeleteObservationLogReplySchema);
    }),
  });
  const port = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    grpcAddress: `127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}
