/**
 * The backend of KatibClient({address}): a `katib server`'s management API
 * (katib_ts.v1.ExperimentService) and Katib's DBManager, both on the server's one gRPC address.
 */

import { readFileSync } from 'node:fs';
import { create, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import {
  type Client,
  credentials,
  Metadata,
  makeGenericClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { codeOfGrpcStatus, invalidArgument, KatibError } from '../api/errors.js';
import type { Experiment } from '../api/experiment.js';
import type { Trial } from '../api/trial.js';
import { DBManager, GetObservationLogRequestSchema } from '../gen/api/v1/beta1/api_pb.js';
import {
  CreateExperimentRequestSchema,
  DeleteExperimentRequestSchema,
  EditExperimentBudgetRequestSchema,
  ExperimentService,
  GetExperimentRequestSchema,
  GetTrialLogsRequestSchema,
  GetTrialRequestSchema,
  ListExperimentsRequestSchema,
  ListTrialsRequestSchema,
} from '../gen/katib_ts/v1/experiments_pb.js';
import { grpcServiceDefinition, HOST_PORT_RULE, tryParseHostPort } from '../rpc/index.js';
import type { KatibBackend } from './backend.js';

/** Same key as the server's FIELD_METADATA_KEY (not imported: that would load the whole server). */
const FIELD_METADATA_KEY = 'katib-field';
/** Lists of a long experiment's trials outgrow grpc-js's 4 MiB default. */
const MAX_RECEIVE_BYTES = 256 * 1024 * 1024;

type Unary = (
  req: unknown,
  metadata: Metadata,
  options: { deadline: number },
  cb: (err: ServiceError | null, reply: unknown) => void,
) => void;

export interface RemoteSecurity {
  /** Sent as `authorization: Bearer <token>` on every call. */
  token?: string;
  /** PEM CA file for an `https://` address. */
  caFile?: string;
}

/**
 * `address` is `host:port` (cleartext) or `https://host:port` (TLS, trusting `security.caFile` or
 * the system's CAs). Throws `invalid_argument` for a bad address or an unreadable CA file.
 */
export function openRemoteBackend(
  address: string,
  timeoutSeconds: number,
  security: RemoteSecurity = {},
): KatibBackend {
  const secure = typeof address === 'string' && address.startsWith('https://');
  const target = secure ? address.slice('https://'.length).replace(/\/$/, '') : address;
  if (typeof target !== 'string' || tryParseHostPort(target) === undefined)
    throw invalidArgument('address', address, `${HOST_PORT_RULE} (https://HOST:PORT for TLS)`);
  let channelCredentials = credentials.createInsecure();
  if (secure) {
    let ca: Buffer | undefined;
    if (security.caFile !== undefined) {
      try {
        ca = readFileSync(security.caFile);
      } catch (err) {
        throw invalidArgument('caFile', security.caFile, `cannot be read: ${(err as Error).message}`);
      }
    }
    channelCredentials = credentials.createSsl(ca ?? null);
  }
  const metadata = new Metadata();
  if (security.token !== undefined) metadata.set('authorization', `Bearer ${security.token}`);
  const channelOptions = { 'grpc.max_receive_message_length': MAX_RECEIVE_BYTES };
  const Experiments = makeGenericClientConstructor(
    grpcServiceDefinition(ExperimentService),
    'ExperimentService',
  );
  const Db = makeGenericClientConstructor(grpcServiceDefinition(DBManager), 'DBManager');
  const experiments = new Experiments(target, channelCredentials, channelOptions);
  const db = new Db(target, channelCredentials, channelOptions);

  const call = <D extends DescMessage>(
    client: Client,
    method: string,
    schema: D,
    init: MessageInitShape<D>,
  ): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const fn = (client as unknown as Record<string, Unary>)[method]!;
      const request: MessageShape<D> = create(schema, init);
      fn.call(
        client,
        request,
        metadata.clone(),
        { deadline: Date.now() + timeoutSeconds * 1000 },
        (err, reply) =>
          err ? reject(fromServiceError(err, address)) : resolve(reply as Record<string, unknown>),
      );
    });
  const experimentOf = (reply: Record<string, unknown>): Experiment =>
    JSON.parse(reply.experimentJson as string) as Experiment;

  return {
    async createExperiment(experiment) {
      return experimentOf(
        await call(experiments, 'createExperiment', CreateExperimentRequestSchema, {
          experimentJson: JSON.stringify(experiment),
        }),
      );
    },
    async getExperiment(name) {
      return experimentOf(await call(experiments, 'getExperiment', GetExperimentRequestSchema, { name }));
    },
    async listExperiments() {
      const reply = await call(experiments, 'listExperiments', ListExperimentsRequestSchema, {});
      return (reply.experimentJson as string[]).map((j) => JSON.parse(j) as Experiment);
    },
    async editExperimentBudget(name, budget) {
      return experimentOf(
        await call(experiments, 'editExperimentBudget', EditExperimentBudgetRequestSchema, {
          name,
          ...budget,
        }),
      );
    },
    async deleteExperiment(name) {
      await call(experiments, 'deleteExperiment', DeleteExperimentRequestSchema, { name });
    },
    async listTrials(experimentName) {
      const reply = await call(experiments, 'listTrials', ListTrialsRequestSchema, { experimentName });
      return (reply.trialJson as string[]).map((j) => JSON.parse(j) as Trial);
    },
    async getTrial(name) {
      const reply = await call(experiments, 'getTrial', GetTrialRequestSchema, { name });
      return JSON.parse(reply.trialJson as string) as Trial;
    },
    async getTrialLogs(name) {
      const reply = await call(experiments, 'getTrialLogs', GetTrialLogsRequestSchema, { name });
      return { stdout: reply.stdout as string, stderr: reply.stderr as string };
    },
    async getTrialMetrics(name, query) {
      const reply = await call(db, 'getObservationLog', GetObservationLogRequestSchema, {
        trialName: name,
        metricName: query.metricName ?? '',
        startTime: query.startTime ?? '',
        endTime: query.endTime ?? '',
      });
      const log = reply.observationLog as
        | { metricLogs: { timeStamp: string; metric?: { name: string; value: string } }[] }
        | undefined;
      return (log?.metricLogs ?? []).map((l) => ({
        timeStamp: l.timeStamp,
        metric: { name: l.metric?.name ?? '', value: l.metric?.value ?? '' },
      }));
    },
    async close() {
      experiments.close();
      db.close();
    },
  };
}

/** A gRPC status as the KatibError the server meant: same code, message, field. */
function fromServiceError(err: ServiceError, address: string): KatibError {
  const code = codeOfGrpcStatus(err.code);
  const field = err.metadata?.get(FIELD_METADATA_KEY)[0];
  const message =
    code === 'unavailable' || code === 'deadline_exceeded'
      ? // grpc-js ends a connect failure with "Resolution note: " and nothing after it when DNS was fine.
        `katib server at ${address}: ${(err.details || err.message).replace(/\s*Resolution note:\s*$/, '')}`
      : err.details || err.message;
  return new KatibError(code, message, {
    ...(typeof field === 'string' ? { field } : {}),
    cause: err,
  });
}
