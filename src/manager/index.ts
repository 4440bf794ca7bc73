// The one wiring point (openKatib) and what it is made of: the experiment manager with its
// create/resume/refuse policy and leases, and the in-process parts (startLocalKatib) under it.
export { type Budget, checkBudget } from './budget.js';
export {
  type AcquireOptions,
  DEFAULT_LEASE_SECONDS,
  describeHolder,
  LeaseHeldError,
  type LeaseSettings,
} from './experiment-leases.js';
export {
  type Admission,
  ExperimentManager,
  type ExperimentManagerOptions,
} from './experiment-manager.js';
export {
  type ControllerSettings,
  type LocalKatib,
  type LocalKatibOptions,
  startLocalKatib,
} from './local-katib.js';
export { type Katib, type KatibOptions, openKatib } from './open-katib.js';
export { TRIAL_LOG_TAIL_BYTES, type TrialLogs } from './trial-logs.js';
