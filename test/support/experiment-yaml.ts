/**
 * Katib v1beta1 Experiment documents for tests that run `katib run` / `katib server` on a file:
 * one local trial container, a parameter list, the counts. Only what a test names is written,
 * so each file reads like the ones users write.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** `${trialParameters.NAME}`, written without tripping the template-string lint. */
export const trialParameter = (name: string): string => `\${trialParameters.${name}}`;

export interface ParameterSpec {
  name: string;
  parameterType: 'double' | 'int' | 'discrete' | 'categorical';
  feasibleSpace: { min?: string; max?: string; step?: string; list?: string[] };
}

/** A discrete parameter over `values`. */
export function discrete(name: string, values: (string | number)[]): ParameterSpec {
  return { name, parameterType: 'discrete', feasibleSpace: { list: values.map(String) } };
}

/** A double parameter in [min, max]. */
export function double(name: string, min: string | number, max: string | number): ParameterSpec {
  return { name, parameterType: 'double', feasibleSpace: { min: String(min), max: String(max) } };
}

export interface ExperimentOptions {
  name: string;
  /** The trial container's command; `trialParameter('x')` places a value. */
  command: string[];
  /** Each becomes a trial parameter of the same name. Default: none. */
  parameters?: ParameterSpec[];
  objective?: {
    type?: 'minimize' | 'maximize';
    metric?: string;
    goal?: number;
    additionalMetricNames?: string[];
  };
  /** Default random. */
  algorithm?: string;
  algorithmSettings?: { name: string; value: string }[];
  /** Default 1. */
  parallelTrialCount?: number;
  /** Default 1. */
  maxTrialCount?: number;
  maxFailedTrialCount?: number;
  /** metricsCollectorSpec.collector.kind (Push, StdOut, File, ...); omitted: Katib's default. */
  collector?: string;
  /** Extra environment of the trial container. */
  env?: Record<string, string>;
}

/** The Experiment as a decoded YAML document. */
export function experimentDocument(o: ExperimentOptions): Record<string, unknown> {
  const parameters = o.parameters ?? [];
  const container: Record<string, unknown> = { name: 'training', command: o.command };
  if (o.env) container.env = Object.entries(o.env).map(([name, value]) => ({ name, value }));
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name: o.name },
    spec: {
      objective: {
        type: o.objective?.type ?? 'minimize',
        objectiveMetricName: o.objective?.metric ?? 'loss',
        ...(o.objective?.goal === undefined ? {} : { goal: o.objective.goal }),
        ...(o.objective?.additionalMetricNames
          ? { additionalMetricNames: o.objective.additionalMetricNames }
          : {}),
      },
      algorithm: {
        algorithmName: o.algorithm ?? 'random',
        ...(o.algorithmSettings ? { algorithmSettings: o.algorithmSettings } : {}),
      },
      parallelTrialCount: o.parallelTrialCount ?? 1,
      maxTrialCount: o.maxTrialCount ?? 1,
      ...(o.maxFailedTrialCount === undefined ? {} : { maxFailedTrialCount: o.maxFailedTrialCount }),
      ...(o.collector ? { metricsCollectorSpec: { collector: { kind: o.collector } } } : {}),
      parameters,
      trialTemplate: {
        primaryContainerName: 'training',
        trialParameters: parameters.map((p) => ({ name: p.name, reference: p.name })),
        trialSpec: {
          apiVersion: 'batch/v1',
          kind: 'Job',
          spec: { template: { spec: { containers: [container], restartPolicy: 'Never' } } },
        },
      },
    },
  };
}

/** The Experiment as YAML text. */
export function experimentYaml(o: ExperimentOptions): string {
  return stringify(experimentDocument(o));
}

/** Writes the Experiment to DIR/NAME.yaml and returns the path. */
export function writeExperiment(dir: string, o: ExperimentOptions): string {
  const file = join(dir, `${o.name}.yaml`);
  writeFileSync(file, experimentYaml(o));
  return file;
}
