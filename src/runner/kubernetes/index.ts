// Trials as Kubernetes resources (batch/v1 Jobs first), behind the TrialRunner plug point.
export {
  deleteExperimentOwner,
  ensureExperimentOwner,
  experimentOwnerName,
} from './experiment-owner.js';
export { evaluateGjson, type GjsonPath, GjsonSyntaxError, parseGjsonPath } from './gjson-path.js';
export { KubeApiError } from './kube-api.js';
export { type KubernetesRunnerOptions, KubernetesTrialRunner } from './kubernetes-runner.js';
export type { KubernetesTrial } from './kubernetes-trial.js';
export {
  compileConditions,
  JOB_FAILURE_CONDITION,
  JOB_SUCCESS_CONDITION,
  type ResourceState,
  resourceState,
} from './resource-state.js';
export { type ResourceEnd, trialExitOf } from './trial-exit.js';
export { EXPERIMENT_LABEL, podTemplatesOf, TRIAL_LABEL, trialResource } from './trial-resource.js';
export { type KubernetesRunSpecInput, kubernetesRunSpec } from './trial-run-spec.js';
