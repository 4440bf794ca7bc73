/**
 * The one place tests get their shared helpers from: loopback ports and servers, waiting for a
 * condition, and Experiment files. Fakes of whole systems (the Kubernetes API stand-in, private
 * database servers, the memory store) have their own files beside this one.
 */

export {
  discrete,
  double,
  type ExperimentOptions,
  experimentDocument,
  experimentYaml,
  type ParameterSpec,
  trialParameter,
  writeExperiment,
} from './experiment-yaml.js';
export { closeServer, freePort, listen, occupiedPort } from './ports.js';
export { settle, until, type WaitOptions, waitFor } from './waiting.js';
