export { BoundedLogFile } from './bounded-log-file.js';
export {
  appendNodeOption,
  type EnvBase,
  INHERITED_ENV,
  inheritedEnv,
  prependPaths,
  trialEnv,
} from './clean-env.js';
export { type CustomCollectorOptions, startCustomCollector } from './custom-collector.js';
// Only the spec of a Kubernetes trial: the runner, with the Kubernetes client, is in
// ./kubernetes/index.js, loaded by those that run trials on a cluster.
export { type KubernetesRunSpecInput, kubernetesRunSpec } from './kubernetes/trial-run-spec.js';
export { type LocalRunnerOptions, LocalTrialRunner } from './local-runner.js';
export { type LocalRunnerSettings, LocalTrial } from './local-trial.js';
export type {
  LineListener,
  RunningTrial,
  TrialExit,
  TrialResourceSpec,
  TrialRunner,
  TrialRunSpec,
} from './trial-runner.js';
