/**
 * katib_ts.v1.ExperimentService over an ExperimentManager: the management API that
 * KatibClient({address}) and `katib create|get|delete` call, served next to Katib's DBManager on
 * the same gRPC port. Experiments and trials travel as JSON text (see the proto for why).
 */
import { create } from '@bufbuild/protobuf';
import {
  Metadata,
  type ServerUnaryCall,
  type ServiceError,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { grpcStatusOf, invalidArgument, KatibError } from '../api/errors.js';
import { grpcServiceDefinition } from '../dbmanager/index.js';
import {
  CreateExperimentReplySchema,
  type CreateExperimentRequest,
  DeleteExperimentReplySchema,
  type DeleteExperimentRequest,
  EditExperimentBudgetReplySchema,
  type EditExperimentBudgetRequest,
  ExperimentService,
  GetExperimentReplySchema,
  type GetExperimentRequest,
  GetTrialLogsReplySchema,
  type GetTrialLogsRequest,
  GetTrialReplySchema,
  type GetTrialRequest,
  ListExperimentsReplySchema,
  ListTrialsReplySchema,
  type ListTrialsRequest,
} from '../gen/katib_ts/v1/experiments_pb.js';
import type { Budget, ExperimentManager } from '../manager/index.js';

export const EXPERIMENT_SERVICE_GRPC = grpcServiceDefinition(ExperimentService);

/** Trailer naming the field of an INVALID_ARGUMENT, read back into KatibError.field by the client. */
export const FIELD_METADATA_KEY = 'katib-field';

export function experimentServiceImplementation(manager: ExperimentManager): UntypedServiceImplementation {
  return {
    createExperiment: unary(async (req: CreateExperimentRequest) => {
      const experiment = await manager.create(parseJson(req.experimentJson, 'experiment_json'));
      return create(CreateExperimentReplySchema, { experimentJson: JSON.stringify(experiment) });
    }),
    getExperiment: unary(async (req: GetExperimentRequest) =>
      create(GetExperimentReplySchema, { experimentJson: JSON.stringify(await manager.get(name(req.name))) }),
    ),
    listExperiments: unary(async () =>
      create(ListExperimentsReplySchema, {
        experimentJson: (await manager.list()).map((e) => JSON.stringify(e)),
      }),
    ),
    editExperimentBudget: unary(async (req: EditExperimentBudgetRequest) => {
      const budget: Budget = {};
      if (req.maxTrialCount !== undefined) budget.maxTrialCount = req.maxTrialCount;
      if (req.parallelTrialCount !== undefined) budget.parallelTrialCount = req.parallelTrialCount;
      if (req.maxFailedTrialCount !== undefined) budget.maxFailedTrialCount = req.maxFailedTrialCount;
      const experiment = await manager.editBudget(name(req.name), budget);
      return create(EditExperimentBudgetReplySchema, { experimentJson: JSON.stringify(experiment) });
    }),
    deleteExperiment: unary(async (req: DeleteExperimentRequest) => {
      await manager.delete(name(req.name));
      return create(DeleteExperimentReplySchema);
    }),
    listTrials: unary(async (req: ListTrialsRequest) =>
      create(ListTrialsReplySchema, {
        trialJson: (await manager.listTrials(name(req.experimentName, 'experiment_name'))).map((t) =>
          JSON.stringify(t),
        ),
      }),
    ),
    getTrial: unary(async (req: GetTrialRequest) =>
      create(GetTrialReplySchema, { trialJson: JSON.stringify(await manager.getTrial(name(req.name))) }),
    ),
    getTrialLogs: unary(async (req: GetTrialLogsRequest) =>
      create(GetTrialLogsReplySchema, await manager.trialLogs(name(req.name))),
    ),
  };
}

function unary<Req, Reply>(handle: (req: Req) => Promise<Reply>) {
  return async (call: ServerUnaryCall<Req, Reply>, callback: sendUnaryData<Reply>): Promise<void> => {
    let reply: Reply;
    try {
      reply = await handle(call.request);
    } catch (err) {
      callback(serviceError(err));
      return;
    }
    callback(null, reply);
  };
}

/** A KatibError as a gRPC status: its code, its message, and its field in a trailer. */
function serviceError(err: unknown): Partial<ServiceError> {
  const katib = KatibError.from(err);
  const metadata = new Metadata();
  if (katib.field) metadata.set(FIELD_METADATA_KEY, katib.field);
  return { code: grpcStatusOf(katib.code), details: katib.message, metadata };
}

function name(value: string, field = 'name'): string {
  if (value === '') throw invalidArgument(field, value, 'is required');
  return value;
}

function parseJson(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalidArgument(field, text, `is not JSON: ${(err as Error).message}`);
  }
}
