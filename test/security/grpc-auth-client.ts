/** A real grpc-js client of DBManager and Health that sends `authorization` metadata (or none). */
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  type ChannelCredentials,
  credentials,
  Metadata,
  makeGenericClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  DeleteObservationLogRequestSchema,
  type GetObservationLogReply,
  GetObservationLogRequestSchema,
  ReportObservationLogRequestSchema,
} from '../../src/gen/api/v1/beta1/api_pb.js';
import { HealthCheckRequestSchema } from '../../src/gen/grpc/health/v1/health_pb.js';
import { DB_MANAGER_GRPC, HEALTH_GRPC } from '../../src/rpc/index.js';

type Unary = (
  req: unknown,
  metadata: Metadata,
  cb: (err: ServiceError | null, reply: unknown) => void,
) => void;

export class AuthGrpcClient {
  readonly #db: Record<string, Unary> & { close(): void };
  readonly #health: Record<string, Unary> & { close(): void };

  constructor(address: string, channel: ChannelCredentials = credentials.createInsecure()) {
    const DbClient = makeGenericClientConstructor(DB_MANAGER_GRPC, 'DBManager');
    const HealthClient = makeGenericClientConstructor(HEALTH_GRPC, 'Health');
    this.#db = new DbClient(address, channel) as never;
    this.#health = new HealthClient(address, channel) as never;
  }

  report(token: string | undefined, trialName: string, value = '0.5'): Promise<unknown> {
    const req: MessageInitShape<typeof ReportObservationLogRequestSchema> = {
      trialName,
      observationLog: {
        metricLogs: [{ timeStamp: '2026-01-01T00:00:00Z', metric: { name: 'loss', value } }],
      },
    };
    return call(this.#db, 'reportObservationLog', create(ReportObservationLogRequestSchema, req), token);
  }
  get(token: string | undefined, trialName: string): Promise<GetObservationLogReply> {
    const req = create(GetObservationLogRequestSchema, { trialName });
    return call(this.#db, 'getObservationLog', req, token) as Promise<GetObservationLogReply>;
  }
  delete(token: string | undefined, trialName: string): Promise<unknown> {
    return call(
      this.#db,
      'deleteObservationLog',
      create(DeleteObservationLogRequestSchema, { trialName }),
      token,
    );
  }
  check(): Promise<unknown> {
    return call(this.#health, 'check', create(HealthCheckRequestSchema, { service: '' }), undefined);
  }
  close(): void {
    this.#db.close();
    this.#health.close();
  }
}

function call(client: Record<string, Unary>, method: string, req: unknown, token: string | undefined) {
  const metadata = new Metadata();
  if (token !== undefined) metadata.set('authorization', token.includes(' ') ? token : `Bearer ${token}`);
  return new Promise((resolve, reject) => {
    client[method]!.call(client, req, metadata, (err, reply) => (err ? reject(err) : resolve(reply)));
  });
}

/** The gRPC status code of a call that must fail. */
export async function codeOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (err) {
    return (err as ServiceError).code;
  }
  throw new Error('the call succeeded but was expected to fail');
}
