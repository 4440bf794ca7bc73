// `katib server` and the experiment management it shares with the embedded KatibClient.
export { type Budget, checkBudget } from './budget.js';
export {
  ExperimentManager,
  type ExperimentManagerOptions,
  TRIAL_LOG_TAIL_BYTES,
  type TrialLogs,
} from './experiment-manager.js';
export { experimentService, experimentServiceImpl, FIELD_METADATA_KEY } from './experiment-service.js';
export { type KatibServerOptions, type RunningKatibServer, startKatibServer } from './start-server.js';
