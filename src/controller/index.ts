export {
  type ControllerEvent,
  type ControllerOptions,
  ExperimentController,
  emptyStatus,
  isFinished,
} from './experiment-controller.js';
export {
  EXPERIMENT_PHASES,
  type ExperimentEnd,
  experimentEnd,
  summarizeTrials,
  TRIAL_PHASES,
  type TrialCounts,
  type TrialsSummary,
  trialState,
  trialsToCreate,
} from './experiment-status.js';
export { MAX_ATTEMPTS, resumeLeftovers } from './resume.js';
export { resolveSourcePaths } from './source-paths.js';
export { trialDir } from './trial-dir.js';
export type {
  DbManagerAddresses,
  TrialExecutionContext,
  TrialHandle,
  TrialOutcome,
} from './trial-execution.js';
