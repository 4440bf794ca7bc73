import type { Experiment, ParameterSpec, Setting } from '../../src/api/experiment.js';
import type { Trial } from '../../src/api/trial.js';

/** A complete Experiment around the given parameters (only what suggesters read matters). */
export function makeExperiment(
  parameters: ParameterSpec[],
  options: { algorithm?: string; settings?: Setting[]; maxTrialCount?: number } = {},
): Experiment {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name: 'suggest-test' },
    spec: {
      parameters,
      objective: {
        type: 'maximize',
        objectiveMetricName: 'accuracy',
        additionalMetricNames: [],
        metricStrategies: [{ name: 'accuracy', value: 'max' }],
      },
      algorithm: { algorithmName: options.algorithm ?? 'random', algorithmSettings: options.settings ?? [] },
      parallelTrialCount: 3,
      ...(options.maxTrialCount === undefined ? {} : { maxTrialCount: options.maxTrialCount }),
      trialTemplate: { trialParameters: [], trialSpec: {} },
      metricsCollectorSpec: { collector: { kind: 'Push' } },
      resumePolicy: 'Never',
    },
  };
}

/** A finished (Succeeded) trial with the given assignments and objective value. */
export function makeTrial(
  index: number,
  assignments: Setting[],
  objective = 0.5,
  labels: Record<string, string> = {},
): Trial {
  const time = new Date(Date.UTC(2024, 0, 1, 0, 0, index)).toISOString();
  const value = String(objective);
  return {
    name: `suggest-test-${String(index).padStart(4, '0')}`,
    experimentName: 'suggest-test',
    parameterAssignments: assignments,
    labels,
    conditions: [
      {
        type: 'Created',
        status: 'True',
        reason: 'TrialCreated',
        message: '',
        lastUpdateTime: time,
        lastTransitionTime: time,
      },
      {
        type: 'Succeeded',
        status: 'True',
        reason: 'TrialSucceeded',
        message: '',
        lastUpdateTime: time,
        lastTransitionTime: time,
      },
    ],
    startTime: time,
    completionTime: time,
    observation: { metrics: [{ name: 'accuracy', min: value, max: value, latest: value }] },
  };
}

export function assign(values: Record<string, string>): Setting[] {
  return Object.entries(values).map(([name, value]) => ({ name, value }));
}

export const int = (
  name: string,
  min: string,
  max: string,
  extra: { step?: string; distribution?: ParameterSpec['feasibleSpace']['distribution'] } = {},
): ParameterSpec => ({
  name,
  parameterType: 'int',
  feasibleSpace: { min, max, ...extra },
});

export const double = (
  name: string,
  min: string,
  max: string,
  extra: { step?: string; distribution?: ParameterSpec['feasibleSpace']['distribution'] } = {},
): ParameterSpec => ({
  name,
  parameterType: 'double',
  feasibleSpace: { min, max, ...extra },
});

export const discrete = (name: string, list: string[]): ParameterSpec => ({
  name,
  parameterType: 'discrete',
  feasibleSpace: { list },
});

export const categorical = (name: string, list: string[]): ParameterSpec => ({
  name,
  parameterType: 'categorical',
  feasibleSpace: { list },
});
