/**
 * Katib v1beta1 Experiment files: loading (YAML/JSON), validation with every problem reported at
 * once, Katib's defaults; trial template substitution; a Job's container as a local command.
 */

export {
  DEFAULT_METRICS_FILE_PATH,
  DEFAULT_PROMETHEUS_PATH,
  DEFAULT_PROMETHEUS_PORT,
  DEFAULT_TFEVENT_DIR_PATH,
} from './check-collector.js';
export { DEFAULT_PARALLEL_TRIAL_COUNT } from './check-counts.js';
export { API_VERSION, type CheckOptions } from './check-experiment.js';
export { MAX_NAME_LENGTH } from './check-metadata.js';
export { configMapsNamedBy, localConfigMaps } from './config-map-files.js';
export { type ConfigMapData, readConfigMaps } from './config-map-template.js';
export { formatIssue, type SpecIssue, SpecValidationError } from './issues.js';
export { expandKubernetesVars } from './k8s-expand.js';
export { type LocalCommand, localCommandOf } from './local-command.js';
export {
  loadExperimentFile,
  loadExperimentFileWithWarnings,
  type ParsedExperiment,
  type ParseOptions,
  parseExperiment,
  parseExperimentWithWarnings,
} from './parse-experiment.js';
export { type SubstituteOptions, substituteTrialTemplate } from './substitute.js';
