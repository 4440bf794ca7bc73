import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  TrialStatus_TrialConditionType as Condition,
  Distribution,
  type Experiment,
  type ExperimentSchema,
  type ExperimentSpec,
  type ExperimentSpecSchema,
  ObjectiveType,
  ParameterType,
  type TrialSchema,
} from '../../src/gen/api/v1/beta1/api_pb.js';

/** The plain-object init forms (not the message forms), so tests can spread and edit them. */
export type SpecInit = Exclude<MessageInitShape<typeof ExperimentSpecSchema>, ExperimentSpec>;
export type ExperimentInit = Exclude<MessageInitShape<typeof ExperimentSchema>, Experiment> & {
  spec: SpecInit;
};
export type TrialInit = MessageInitShape<typeof TrialSchema>;

/**
 * An Experiment as Katib's suggestion client sends it (pkg/controller.v1beta1/suggestion/
 * suggestionclient): Katib's MXNet MNIST example with its parameters, objective and counts.
 */
export function katibExperiment(
  algorithmName: string,
  settings: Record<string, string> = {},
  extra: Partial<SpecInit> = {},
): ExperimentInit {
  return {
    name: 'mnist-example',
    spec: {
      parameterSpecs: {
        parameters: [
          {
            name: 'lr',
            parameterType: ParameterType.DOUBLE,
            feasibleSpace: { min: '0.01', max: '0.05', step: '0.01' },
          },
          { name: 'num-layers', parameterType: ParameterType.INT, feasibleSpace: { min: '2', max: '5' } },
          {
            name: 'optimizer',
            parameterType: ParameterType.CATEGORICAL,
            feasibleSpace: { list: ['sgd', 'adam', 'ftrl'] },
          },
          {
            name: 'momentum',
            parameterType: ParameterType.DISCRETE,
            feasibleSpace: { list: ['0.9', '0.95', '0.99'], distribution: Distribution.UNIFORM },
          },
        ],
      },
      objective: {
        type: ObjectiveType.MAXIMIZE,
        goal: 0.99,
        objectiveMetricName: 'Validation-accuracy',
        additionalMetricNames: ['Train-accuracy'],
      },
      algorithm: {
        algorithmName,
        algorithmSettings: Object.entries(settings).map(([name, value]) => ({ name, value })),
      },
      parallelTrialCount: 3,
      maxTrialCount: 12,
      ...extra,
    },
  };
}

/** A trial as Katib sends it: its assignments, labels, status condition and reduced metrics. */
export function katibTrial(
  name: string,
  assignments: Record<string, string>,
  condition: Condition,
  accuracy?: string,
  labels: Record<string, string> = {},
  startSecond = 0,
): TrialInit {
  const at = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s)).toISOString().replace('.000', '');
  const finished = condition !== Condition.RUNNING && condition !== Condition.CREATED;
  return {
    name,
    spec: {
      objective: { type: ObjectiveType.MAXIMIZE, objectiveMetricName: 'Validation-accuracy' },
      parameterAssignments: {
        assignments: Object.entries(assignments).map(([n, value]) => ({ name: n, value })),
      },
      labels,
    },
    status: {
      startTime: condition === Condition.CREATED ? '' : at(startSecond),
      completionTime: finished ? at(startSecond + 30) : '',
      condition,
      ...(accuracy === undefined
        ? {}
        : {
            observation: {
              metrics: [
                { name: 'Validation-accuracy', value: accuracy },
                { name: 'Train-accuracy', value: accuracy },
              ],
            },
          }),
    },
  };
}
