export { BoundedLogFile } from './bounded-log-file.js';
export { INHERITED_ENV, trialEnv } from './clean-env.js';
export { type LocalRunnerOptions, LocalTrialRunner } from './local-runner.js';
export { type LocalRunnerSettings, LocalTrial } from './local-trial.js';
export type { LineListener, RunningTrial, TrialExit, TrialRunner, TrialRunSpec } from './trial-runner.js';
