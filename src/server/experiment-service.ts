/**
 * katib_ts.v1.ExperimentService over an ExperimentManager: the management API that
 * KatibClient({address}) and `katib create|get|delete` call, served next to Katib's DBManager on
 * the same gRPC port. Experiments and trials travel as JSON text (see the proto for why).
 */
import { create } from '@bufbuild/protobuf';
import { type Code, ConnectError, type Interceptor, type ServiceImpl } from '@connectrpc/connect';
import { grpcStatusOf, invalidArgument, KatibError } from '../api/errors.js';
import {
  CreateExperimentReplySchema,
  DeleteExperimentReplySchema,
  EditExperimentBudgetReplySchema,
  ExperimentService,
  GetExperimentReplySchema,
  GetTrialLogsReplySchema,
  GetTrialReplySchema,
  ListExperimentsReplySchema,
  ListTrialsReplySchema,
} from '../gen/katib_ts/v1/experiments_pb.js';
import type { Budget, ExperimentManager } from '../manager/index.js';
import type { RpcService } from '../rpc/index.js';

/** Trailer naming the field of an INVALID_ARGUMENT, read back into KatibError.field by the client. */
export const FIELD_METADATA_KEY = 'katib-field';

/**
 * The management service over `manager`, for RunningDbManager.addGrpcService (or any port that
 * serves an RpcService): its descriptor, its methods, and the interceptor that sends a
 * KatibError's field along in the FIELD_METADATA_KEY trailer.
 */
export function experimentService(manager: ExperimentManager): RpcService<typeof ExperimentService> {
  return { service: ExperimentService, impl: experimentServiceImpl(manager), interceptors: [fieldTrailer] };
}

export function experimentServiceImpl(manager: ExperimentManager): ServiceImpl<typeof ExperimentService> {
  return {
    async createExperiment(req) {
      const experiment = await manager.create(parseJson(req.experimentJson, 'experiment_json'));
      return create(CreateExperimentReplySchema, { experimentJson: JSON.stringify(experiment) });
    },
    async getExperiment(req) {
      return create(GetExperimentReplySchema, {
        experimentJson: JSON.stringify(await manager.get(name(req.name))),
      });
    },
    async listExperiments() {
      return create(ListExperimentsReplySchema, {
        experimentJson: (await manager.list()).map((e) => JSON.stringify(e)),
      });
    },
    async editExperimentBudget(req) {
      const budget: Budget = {};
      if (req.maxTrialCount !== undefined) budget.maxTrialCount = req.maxTrialCount;
      if (req.parallelTrialCount !== undefined) budget.parallelTrialCount = req.parallelTrialCount;
      if (req.maxFailedTrialCount !== undefined) budget.maxFailedTrialCount = req.maxFailedTrialCount;
      const experiment = await manager.editBudget(name(req.name), budget);
      return create(EditExperimentBudgetReplySchema, { experimentJson: JSON.stringify(experiment) });
    },
    async deleteExperiment(req) {
      await manager.delete(name(req.name));
      return create(DeleteExperimentReplySchema);
    },
    async listTrials(req) {
      const trials = await manager.listTrials(name(req.experimentName, 'experiment_name'));
      return create(ListTrialsReplySchema, { trialJson: trials.map((t) => JSON.stringify(t)) });
    },
    async getTrial(req) {
      return create(GetTrialReplySchema, {
        trialJson: JSON.stringify(await manager.getTrial(name(req.name))),
      });
    },
    async getTrialLogs(req) {
      return create(GetTrialLogsReplySchema, await manager.trialLogs(name(req.name)));
    },
  };
}

/** A KatibError as a status: its code, its message, and its field in a trailer. */
const fieldTrailer: Interceptor = (next) => async (req) => {
  try {
    return await next(req);
  } catch (err) {
    const katib = KatibError.from(err);
    const metadata = katib.field ? new Headers({ [FIELD_METADATA_KEY]: katib.field }) : undefined;
    throw new ConnectError(katib.message, grpcStatusOf(katib.code) as Code, metadata, undefined, err);
  }
};

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
