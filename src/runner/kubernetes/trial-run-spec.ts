import { invalidArgument } from '../../api/errors.js';
import type { Experiment } from '../../api/experiment.js';
import { metricNamesOf } from '../../collector/index.js';
import { ANNOTATIONS } from '../../injection/index.js';
import type { TrialRunSpec } from '../trial-runner.js';

export interface KubernetesRunSpecInput {
  experiment: Experiment;
  trialName: string;
  /** The trial template substituted for this trial (substituteTrialTemplate). */
  trialSpec: Record<string, unknown>;
  /** What the primary container gets: KATIB_TRIAL_NAME, the DB manager's addresses... */
  env: Record<string, string>;
  /** Where the runner writes the trial's log (stdout.log) on this machine. */
  logDir: string;
}

/**
 * The TrialRunSpec of a trial that runs on Kubernetes: the substituted trialSpec with the
 * template's primaryContainerName, primaryPodLabels, success/failure conditions and retain, and
 * the pod annotations katib's admission webhook reads (collector kind, metric names, metrics
 * format, primary container). Throws INVALID_ARGUMENT for a File or TensorFlowEvent collector:
 * what it reads is inside the trial's pod, where katib-ts adds no sidecar to read it (use StdOut
 * or Push). Pure.
 */
export function kubernetesRunSpec(input: KubernetesRunSpecInput): TrialRunSpec {
  const { experiment } = input;
  const template = experiment.spec.trialTemplate;
  const collector = experiment.spec.metricsCollectorSpec;
  const kind = collector.collector.kind;
  if (kind === 'File' || kind === 'TensorFlowEvent') {
    const what = kind === 'File' ? 'the file is' : 'the event files are';
    throw invalidArgument(
      'metricsCollectorSpec.collector.kind',
      kind,
      `is not supported with the Kubernetes runner: ${what} inside the trial's pod (use StdOut, which reads the primary container's log, or Push)`,
    );
  }
  const podAnnotations: Record<string, string> = {
    [ANNOTATIONS.collectorKind]: kind,
    [ANNOTATIONS.metricNames]: metricNamesOf(experiment.spec.objective).join(','),
  };
  const metricsFormat = collector.source?.filter?.metricsFormat;
  if (metricsFormat && metricsFormat.length > 0)
    podAnnotations[ANNOTATIONS.metricsFormat] = JSON.stringify(metricsFormat);
  if (template.primaryContainerName !== undefined)
    podAnnotations[ANNOTATIONS.primaryContainer] = template.primaryContainerName;
  return {
    trialName: input.trialName,
    experimentName: experiment.metadata.name,
    command: [],
    env: input.env,
    workingDir: input.logDir,
    logDir: input.logDir,
    resource: {
      object: input.trialSpec,
      ...(template.primaryContainerName !== undefined
        ? { primaryContainerName: template.primaryContainerName }
        : {}),
      ...(template.primaryPodLabels ? { primaryPodLabels: { ...template.primaryPodLabels } } : {}),
      ...(template.successCondition !== undefined ? { successCondition: template.successCondition } : {}),
      ...(template.failureCondition !== undefined ? { failureCondition: template.failureCondition } : {}),
      ...(template.retain !== undefined ? { retain: template.retain } : {}),
      podAnnotations,
    },
  };
}
