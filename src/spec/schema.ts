/**
 * The shape of Katib's kubeflow.org/v1beta1 Experiment, one zod schema per section so that a
 * broken section does not hide the problems of the others. These schemas check types, enums and
 * field names only; the rules that relate fields to each other live in the check-*.ts files.
 *
 * Katib-owned objects are strict: a field Katib does not have is an error (a typo such as
 * `maxTrialCounts` would otherwise be dropped silently, as Kubernetes' pruning does, and the
 * experiment would run with a default the user did not choose; `kubectl` with strict field
 * validation rejects it too). Kubernetes objects inside (trialSpec, customCollector) are not
 * checked here.
 */
import { z } from 'zod';

export const PARAMETER_TYPES = ['int', 'double', 'categorical', 'discrete'] as const;
export const DISTRIBUTIONS = ['uniform', 'logUniform', 'normal', 'logNormal'] as const;
export const OBJECTIVE_TYPES = ['minimize', 'maximize'] as const;
export const METRIC_STRATEGIES = ['min', 'max', 'latest'] as const;
export const COLLECTOR_KINDS = [
  'StdOut',
  'File',
  'TensorFlowEvent',
  'PrometheusMetric',
  'Custom',
  'Push',
] as const;
export const RESUME_POLICIES = ['Never', 'LongRunning', 'FromVolume'] as const;

/** Fields of `spec`, in Katib's order. */
export const SPEC_FIELDS = [
  'parameters',
  'objective',
  'algorithm',
  'earlyStopping',
  'trialTemplate',
  'parallelTrialCount',
  'maxTrialCount',
  'maxFailedTrialCount',
  'metricsCollectorSpec',
  'nasConfig',
  'resumePolicy',
] as const;

export const TOP_LEVEL_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'] as const;

/**
 * Katib stores min, max, step, list entries and setting values as strings; YAML users often
 * leave numbers unquoted (`min: 0.01`), which reads the same, so numbers and booleans are taken
 * as their text.
 */
const text = z.preprocess(
  (v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v),
  z.string(),
);

export const metadataSchema = z.object({
  name: z.string(),
  namespace: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  creationTimestamp: z.string().optional(),
});

export const parameterSchema = z.strictObject({
  name: z.string(),
  parameterType: z.enum(PARAMETER_TYPES),
  feasibleSpace: z.strictObject({
    min: text.optional(),
    max: text.optional(),
    step: text.optional(),
    list: z.array(text).optional(),
    distribution: z.enum(DISTRIBUTIONS).optional(),
  }),
});

export const objectiveSchema = z.strictObject({
  // Checked in check-objective.ts, so that a wrong type does not hide the other objective rules.
  type: z.string(),
  goal: z.number().optional(),
  objectiveMetricName: z.string(),
  additionalMetricNames: z.array(z.string()).optional(),
  metricStrategies: z
    .array(z.strictObject({ name: z.string(), value: z.enum(METRIC_STRATEGIES) }))
    .optional(),
});

/** `algorithm` and `earlyStopping` share this shape. */
export const algorithmSchema = z.strictObject({
  algorithmName: z.string(),
  algorithmSettings: z.array(z.strictObject({ name: z.string(), value: text })).optional(),
});

export const countSchema = z.number().int();

export const resumePolicySchema = z.enum(RESUME_POLICIES);

export const collectorSchema = z.strictObject({
  collector: z
    .strictObject({
      // `None` is the name Katib used for Push before v0.15.
      kind: z.enum([...COLLECTOR_KINDS, 'None']),
      customCollector: z.looseObject({}).optional(),
    })
    .optional(),
  source: z
    .strictObject({
      fileSystemPath: z
        .strictObject({
          path: z.string().optional(),
          kind: z.enum(['File', 'Directory']).optional(),
          format: z.enum(['TEXT', 'JSON']).optional(),
        })
        .optional(),
      filter: z.strictObject({ metricsFormat: z.array(z.string()).optional() }).optional(),
      httpGet: z
        .strictObject({
          path: z.string().optional(),
          port: z.unknown().optional(),
          host: z.string().optional(),
          scheme: z.enum(['HTTP', 'HTTPS']).optional(),
          httpHeaders: z.array(z.strictObject({ name: z.string(), value: z.string() })).optional(),
        })
        .optional(),
    })
    .optional(),
});

export const trialTemplateSchema = z.strictObject({
  retain: z.boolean().optional(),
  trialParameters: z
    .array(z.strictObject({ name: z.string(), description: z.string().optional(), reference: z.string() }))
    .optional(),
  primaryPodLabels: z.record(z.string(), z.string()).optional(),
  primaryContainerName: z.string().optional(),
  successCondition: z.string().optional(),
  failureCondition: z.string().optional(),
  trialSpec: z.looseObject({}).optional(),
  configMap: z.unknown().optional(),
});

export type ParameterInput = z.output<typeof parameterSchema>;
export type ObjectiveInput = z.output<typeof objectiveSchema>;
export type AlgorithmInput = z.output<typeof algorithmSchema>;
export type CollectorInput = z.output<typeof collectorSchema>;
export type TrialTemplateInput = z.output<typeof trialTemplateSchema>;
export type MetadataInput = z.output<typeof metadataSchema>;
