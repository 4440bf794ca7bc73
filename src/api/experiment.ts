/**
 * The Experiment in Katib's kubeflow.org/v1beta1 shape (field names as in Katib's YAML), after
 * defaults are applied. Loading, defaults and validation live in src/spec/.
 */
import type { MetricStrategyValue, ObservationMetric } from './observation.js';

export type ParameterType = 'int' | 'double' | 'categorical' | 'discrete';
export type Distribution = 'uniform' | 'logUniform' | 'normal' | 'logNormal';

export interface FeasibleSpace {
  min?: string;
  max?: string;
  step?: string;
  list?: string[];
  distribution?: Distribution;
}

export interface ParameterSpec {
  name: string;
  parameterType: ParameterType;
  feasibleSpace: FeasibleSpace;
}

export type ObjectiveType = 'minimize' | 'maximize';

export interface MetricStrategy {
  name: string;
  value: MetricStrategyValue;
}

export interface ObjectiveSpec {
  type: ObjectiveType;
  goal?: number;
  objectiveMetricName: string;
  additionalMetricNames: string[];
  /** One entry per metric (objective and additional ones) once defaults are applied. */
  metricStrategies: MetricStrategy[];
}

export interface Setting {
  name: string;
  value: string;
}

export interface AlgorithmSpec {
  algorithmName: string;
  algorithmSettings: Setting[];
}

export interface EarlyStoppingSpec {
  algorithmName: string;
  algorithmSettings: Setting[];
}

export interface TrialParameterSpec {
  name: string;
  description?: string;
  /** The experiment parameter whose value fills `${trialParameters.<name>}`. */
  reference: string;
}

export interface TrialTemplate {
  primaryContainerName?: string;
  trialParameters: TrialParameterSpec[];
  /** A Kubernetes resource (batch/v1 Job first) with `${trialParameters.x}` placeholders. */
  trialSpec: Record<string, unknown>;
  successCondition?: string;
  failureCondition?: string;
  retain?: boolean;
  /** Labels that pick the primary pod of a multi-pod trial (Kubeflow training jobs). */
  primaryPodLabels?: Record<string, string>;
}

export type CollectorKind = 'StdOut' | 'File' | 'TensorFlowEvent' | 'PrometheusMetric' | 'Custom' | 'Push';
export type FileFormat = 'TEXT' | 'JSON';

export interface MetricsCollectorSpec {
  /** `customCollector` (a Kubernetes container) is set for kind Custom only. */
  collector: { kind: CollectorKind; customCollector?: Record<string, unknown> };
  source?: {
    fileSystemPath?: { path: string; kind?: 'File' | 'Directory'; format?: FileFormat };
    filter?: { metricsFormat: string[] };
    /** Where a PrometheusMetric collector scrapes (Katib's defaults: path /metrics, port 8080). */
    httpGet?: { path: string; port: number; host?: string; scheme?: 'HTTP' | 'HTTPS' };
  };
}

export type ResumePolicy = 'Never' | 'LongRunning' | 'FromVolume';

export interface ExperimentSpec {
  parameters: ParameterSpec[];
  objective: ObjectiveSpec;
  algorithm: AlgorithmSpec;
  earlyStopping?: EarlyStoppingSpec;
  parallelTrialCount: number;
  /** Unset means no limit. */
  maxTrialCount?: number;
  maxFailedTrialCount?: number;
  trialTemplate: TrialTemplate;
  metricsCollectorSpec: MetricsCollectorSpec;
  resumePolicy: ResumePolicy;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition<T extends string = string> {
  type: T;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
}

export type ExperimentConditionType = 'Created' | 'Running' | 'Restarting' | 'Succeeded' | 'Failed';

export interface OptimalTrial {
  bestTrialName: string;
  parameterAssignments: Setting[];
  observation: { metrics: ObservationMetric[] };
}

export interface ExperimentStatus {
  startTime?: string;
  completionTime?: string;
  lastReconcileTime?: string;
  conditions: Condition<ExperimentConditionType>[];
  currentOptimalTrial?: OptimalTrial;
  trials: number;
  trialsSucceeded: number;
  trialsFailed: number;
  trialsKilled: number;
  trialsRunning: number;
  trialsPending: number;
  trialsEarlyStopped: number;
  trialMetricsUnavailable: number;
}

export interface Experiment {
  apiVersion: 'kubeflow.org/v1beta1';
  kind: 'Experiment';
  metadata: {
    name: string;
    namespace?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: ExperimentSpec;
  status?: ExperimentStatus;
}
