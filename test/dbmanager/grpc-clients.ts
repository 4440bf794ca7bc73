import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { credentials, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import {
  DeleteObservationLogRequestSchema,
  type GetObservationLogReply,
  GetObservationLogRequestSchema,
  ReportObservationLogRequestSchema,
} from '../../src/gen/api/v1/beta1/api_pb.js';
import {
  HealthCheckRequestSchema,
  type HealthCheckResponse,
} from '../../src/gen/grpc/health/v1/health_pb.js';
import { DB_MANAGER_GRPC, HEALTH_GRPC } from '../../src/rpc/index.js';

type Unary = (req: unknown, cb: (err: ServiceError | null, reply: unknown) => void) => void;

/** A real grpc-js client of DBManager and Health (protobuf-es serializers), promise-style. */
export class TestGrpcClient {
  readonly #db: Record<string, Unary> & { close(): void };
  readonly #health: Record<string, Unary> & { close(): void };

  constructor(address: string) {
    const DbClient = makeGenericClientConstructor(DB_MANAGER_GRPC, 'DBManager');
    const HealthClient = makeGenericClientConstructor(HEALTH_GRPC, 'Health');
    this.#db = new DbClient(address, credentials.createInsecure()) as never;
    this.#health = new HealthClient(address, credentials.createInsecure()) as never;
  }

  report(req: MessageInitShape<typeof ReportObservationLogRequestSchema>): Promise<unknown> {
    return call(this.#db, 'reportObservationLog', create(ReportObservationLogRequestSchema, req));
  }
  get(req: MessageInitShape<typeof GetObservationLogRequestSchema>): Promise<GetObservationLogReply> {
    const message = create(GetObservationLogRequestSchema, req);
    return call(this.#db, 'getObservationLog', message) as Promise<GetObservationLogReply>;
  }
  delete(req: MessageInitShape<typeof DeleteObservationLogRequestSchema>): Promise<unknown> {
    return call(this.#db, 'deleteObservationLog', create(DeleteObservationLogRequestSchema, req));
  }
  check(req: MessageInitShape<typeof HealthCheckRequestSchema>): Promise<HealthCheckResponse> {
    return call(this.#health, 'check', create(HealthCheckRequestSchema, req)) as Promise<HealthCheckResponse>;
  }
  close(): void {
    this.#db.close();
    this.#health.close();
  }
}

function call(client: Record<string, Unary>, method: string, req: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    client[method]!.call(client, req, (err, reply) => (err ? reject(err) : resolve(reply)));
  });
}

/** Asserts-style helper: the ServiceError of a call that must fail. */
export async function grpcError(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('call succeeded but was expected to fail');
}
