/**
 * Katib's `Suggestion` and `EarlyStopping` gRPC services over katib-ts's algorithms, so Katib's
 * own controller can use them, and the protobuf <-> domain conversions of Experiment and Trial
 * they rest on. The in-process controller calls the algorithms directly, not through here.
 */
export { experimentFromProto, experimentToProto } from './convert-experiment.js';
export { inStartOrder, trialFromProto, trialToProto } from './convert-trial.js';
export { DbManagerReader } from './db-manager-reader.js';
export { EarlyStoppingService, type LogReader } from './early-stopping-service.js';
export {
  DEFAULT_EARLY_STOPPING_LISTEN,
  DEFAULT_SERVICE_MAX_MESSAGE_BYTES,
  DEFAULT_SUGGESTION_LISTEN,
  type RunningService,
  type StartServiceOptions,
  startEarlyStoppingService,
  startSuggestionService,
} from './start.js';
export { SuggestionService } from './suggestion-service.js';
