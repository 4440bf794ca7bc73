import { create } from '@bufbuild/protobuf';
import { invalidArgument } from '../api/errors.js';
import type { MetricLog } from '../api/observation.js';
import { type Comparison, computeRules, getEarlyStopper, type LogQuery } from '../earlystopping/index.js';
import {
  ComparisonType,
  type GetEarlyStoppingRulesReply,
  GetEarlyStoppingRulesReplySchema,
  type GetEarlyStoppingRulesRequest,
  type SetTrialStatusReply,
  SetTrialStatusReplySchema,
  type SetTrialStatusRequest,
  type ValidateEarlyStoppingSettingsReply,
  ValidateEarlyStoppingSettingsReplySchema,
  type ValidateEarlyStoppingSettingsRequest,
} from '../gen/api/v1/beta1/api_pb.js';
import { formatDouble } from '../suggestion/index.js';
import { earlyStoppingFromProto, experimentFromProto } from './convert-experiment.js';
import { inStartOrder, trialFromProto } from './convert-trial.js';

const COMPARISONS: Record<Comparison, ComparisonType> = {
  less: ComparisonType.LESS,
  greater: ComparisonType.GREATER,
  equal: ComparisonType.EQUAL,
};

/** Reads one trial's logs of one metric from the DB manager at `address`. */
export type LogReader = (address: string, query: LogQuery) => Promise<readonly MetricLog[]>;

/**
 * Katib's `api.v1.beta1.EarlyStopping` without a transport, for every registered early stopper
 * (the request's `spec.early_stopping.algorithm_name` picks it), computing rules with the same
 * code the in-process controller uses. The logs the rules need are read from the request's
 * `db_manager_address` through `readLogs`.
 */
export class EarlyStoppingService {
  readonly #readLogs: LogReader;

  constructor(readLogs: LogReader) {
    this.#readLogs = readLogs;
  }

  async getEarlyStoppingRules(request: GetEarlyStoppingRulesRequest): Promise<GetEarlyStoppingRulesReply> {
    const experiment = experimentFromProto(request.experiment);
    const spec = experiment.spec.earlyStopping;
    if (spec === undefined) {
      throw invalidArgument(
        'spec.earlyStopping.algorithmName',
        '',
        'is required to compute early stopping rules',
      );
    }
    const stopper = getEarlyStopper(spec.algorithmName);
    stopper.validateSettings(spec);
    const address = request.dbManagerAddress;
    if (address === '')
      throw invalidArgument('db_manager_address', address, 'is required (HOST:PORT of the DB manager)');
    const trials = inStartOrder(request.trials.map((t) => trialFromProto(t, experiment.metadata.name)));
    const rules = await computeRules(stopper, { experiment, trials }, (query) =>
      this.#readLogs(address, query),
    );
    return create(GetEarlyStoppingRulesReplySchema, {
      earlyStoppingRules: rules.map((rule) => ({
        name: rule.name,
        // As Katib's Python services print a float: the shortest text that reads back the same.
        value: formatDouble(rule.value),
        comparison: COMPARISONS[rule.comparison],
        startStep: rule.startStep,
      })),
    });
  }

  /**
   * Katib's metrics collector calls this after it stopped a trial, and Katib's medianstop service
   * then patches the Kubernetes Trial resource, adding the EarlyStopped condition. This service
   * holds no Kubernetes credentials and patches nothing: it checks the name and answers (the
   * server logs the call). katib-ts's own controller stops trials itself and sets EarlyStopped
   * without this call; under Katib's controller on Kubernetes, a trial its collector stopped is
   * not marked EarlyStopped by this service.
   */
  setTrialStatus(request: SetTrialStatusRequest): SetTrialStatusReply {
    if (request.trialName === '') throw invalidArgument('trial_name', request.trialName, 'is required');
    return create(SetTrialStatusReplySchema);
  }

  validateEarlyStoppingSettings(
    request: ValidateEarlyStoppingSettingsRequest,
  ): ValidateEarlyStoppingSettingsReply {
    const pb = request.earlyStopping;
    if (pb === undefined) throw invalidArgument('early_stopping', undefined, 'is required');
    const spec = earlyStoppingFromProto(pb);
    getEarlyStopper(spec.algorithmName).validateSettings(spec);
    return create(ValidateEarlyStoppingSettingsReplySchema);
  }
}
