import { create } from '@bufbuild/protobuf';
import {
  type Client,
  credentials,
  Metadata,
  makeGenericClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { codeOfGrpcStatus, invalidArgument, KatibError } from '../api/errors.js';
import type { MetricLog } from '../api/observation.js';
import { tryParseRfc3339 } from '../api/time.js';
import type { LogQuery } from '../earlystopping/index.js';
import { type GetObservationLogReply, GetObservationLogRequestSchema } from '../gen/api/v1/beta1/api_pb.js';
import { DB_MANAGER_GRPC, formatHostPort, HOST_PORT_RULE, tryParseHostPort } from '../rpc/index.js';

const DbManagerClient = makeGenericClientConstructor(DB_MANAGER_GRPC, 'DBManager');

type GetLog = (
  request: unknown,
  metadata: Metadata,
  options: { deadline: number },
  callback: (err: ServiceError | null, reply?: GetObservationLogReply) => void,
) => void;

/**
 * Reads observation logs from DB managers (Katib's or katib-ts's) over gRPC, one kept channel
 * per address. The early stopping service reads only finished trials' logs once per rule
 * computation, so grpc-js's per-call cost does not matter here (the trial-side push client is
 * the hot path and has its own). Owned by one service; `close` releases every channel.
 * With `token` (a DB manager's operator token, docs/security.md) every read carries
 * `authorization: Bearer <token>`, which a DB manager running with auth requires for reads.
 */
export class DbManagerReader {
  readonly #clients = new Map<string, Client & { getObservationLog: GetLog }>();
  readonly #timeoutMs: number;
  readonly #metadata = new Metadata();

  constructor(timeoutMs = 30_000, token?: string) {
    this.#timeoutMs = timeoutMs;
    if (token) this.#metadata.set('authorization', `Bearer ${token}`);
  }

  /**
   * The trial's logs of one metric, in the DB manager's order (time, then insertion). Rejects
   * `invalid_argument` for an address that is not HOST:PORT, and with the DB manager's status
   * (`unavailable` when it cannot be reached) naming the address and the trial otherwise.
   */
  async read(address: string, query: LogQuery): Promise<MetricLog[]> {
    const client = this.#client(address);
    const request = create(GetObservationLogRequestSchema, {
      trialName: query.trialName,
      metricName: query.metricName,
    });
    return new Promise((resolve, reject) => {
      client.getObservationLog(
        request,
        this.#metadata,
        { deadline: Date.now() + this.#timeoutMs },
        (err, reply) => {
          if (err) {
            const code = codeOfGrpcStatus(err.code);
            reject(
              new KatibError(
                code,
                `cannot read the observation log of trial ${query.trialName} from the DB manager at ${address}: ${err.details || err.message}`,
                { cause: err },
              ),
            );
            return;
          }
          resolve(
            (reply?.observationLog?.metricLogs ?? []).map((log) => ({
              // The DB manager returns logs in time order; a stamp it wrote that does not parse keeps its place.
              time: tryParseRfc3339(log.timeStamp) ?? 0,
              name: log.metric?.name ?? '',
              value: log.metric?.value ?? '',
            })),
          );
        },
      );
    });
  }

  close(): void {
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }

  #client(address: string): Client & { getObservationLog: GetLog } {
    const at = tryParseHostPort(address);
    if (at === undefined) throw invalidArgument('db_manager_address', address, HOST_PORT_RULE);
    const target = formatHostPort(at);
    let client = this.#clients.get(target);
    if (client === undefined) {
      client = new DbManagerClient(target, credentials.createInsecure()) as never;
      this.#clients.set(target, client!);
    }
    return client!;
  }
}
