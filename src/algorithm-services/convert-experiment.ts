/**
 * Katib's protobuf Experiment (what its controller sends to suggestion and early stopping
 * services) to the domain Experiment and back. The wire carries only what algorithms read:
 * parameters, objective, algorithm, early stopping, parallel and max trial counts. The rest of a
 * domain Experiment (trial template, collector, resume policy) gets neutral placeholders.
 */
import { create } from '@bufbuild/protobuf';
import { invalidArgument, KatibError } from '../api/errors.js';
import type {
  Distribution,
  EarlyStoppingSpec,
  Experiment,
  FeasibleSpace,
  ParameterSpec,
  ParameterType,
} from '../api/experiment.js';
import {
  ExperimentSchema,
  ObjectiveType,
  Distribution as PbDistribution,
  type EarlyStoppingSpec as PbEarlyStoppingSpec,
  type Experiment as PbExperiment,
  type ParameterSpec as PbParameterSpec,
  ParameterType as PbParameterType,
} from '../gen/api/v1/beta1/api_pb.js';

const TYPES: Record<number, ParameterType> = {
  [PbParameterType.DOUBLE]: 'double',
  [PbParameterType.INT]: 'int',
  [PbParameterType.DISCRETE]: 'discrete',
  [PbParameterType.CATEGORICAL]: 'categorical',
};
const DISTRIBUTIONS: Record<number, Distribution> = {
  [PbDistribution.UNIFORM]: 'uniform',
  [PbDistribution.LOG_UNIFORM]: 'logUniform',
  [PbDistribution.NORMAL]: 'normal',
  [PbDistribution.LOG_NORMAL]: 'logNormal',
};
/** Katib's default when a request leaves parallel_trial_count at 0. */
const DEFAULT_PARALLEL_TRIALS = 3;

/**
 * The domain Experiment of a request's `experiment`. Throws `invalid_argument` naming every
 * field the wire cannot express in the domain (a missing experiment or objective, an UNKNOWN
 * enum value); the values themselves are the algorithm's to check. Proto3 cannot tell an unset
 * number from 0: max_trial_count 0 reads as no limit, parallel_trial_count 0 as Katib's 3,
 * goal 0 as no goal (no algorithm reads the goal).
 */
export function experimentFromProto(pb: PbExperiment | undefined): Experiment {
  if (pb === undefined) throw invalidArgument('experiment', undefined, 'is required');
  const spec = pb.spec;
  if (spec === undefined) throw invalidArgument('experiment.spec', undefined, 'is required');
  const problems: KatibError[] = [];
  const parameters = (spec.parameterSpecs?.parameters ?? []).map((p, i) =>
    parameterFromProto(p, i, problems),
  );
  const objective = spec.objective;
  const type =
    objective?.type === ObjectiveType.MAXIMIZE
      ? 'maximize'
      : objective?.type === ObjectiveType.MINIMIZE
        ? 'minimize'
        : undefined;
  if (type === undefined)
    problems.push(
      invalidArgument('spec.objective.type', objective?.type ?? 0, 'must be MINIMIZE or MAXIMIZE'),
    );
  if (!objective?.objectiveMetricName) {
    problems.push(
      invalidArgument('spec.objective.objectiveMetricName', objective?.objectiveMetricName, 'is required'),
    );
  }
  throwAll(problems);
  const earlyStopping = spec.earlyStopping?.algorithmName
    ? earlyStoppingFromProto(spec.earlyStopping)
    : undefined;
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name: pb.name },
    spec: {
      parameters,
      objective: {
        type: type!,
        ...(objective!.goal !== 0 ? { goal: objective!.goal } : {}),
        objectiveMetricName: objective!.objectiveMetricName,
        additionalMetricNames: [...objective!.additionalMetricNames],
        // Not on the wire: Katib's controller sends each metric already reduced by its strategy.
        metricStrategies: [],
      },
      algorithm: {
        algorithmName: spec.algorithm?.algorithmName ?? '',
        algorithmSettings: (spec.algorithm?.algorithmSettings ?? []).map((s) => ({
          name: s.name,
          value: s.value,
        })),
      },
      ...(earlyStopping === undefined ? {} : { earlyStopping }),
      parallelTrialCount: spec.parallelTrialCount > 0 ? spec.parallelTrialCount : DEFAULT_PARALLEL_TRIALS,
      ...(spec.maxTrialCount > 0 ? { maxTrialCount: spec.maxTrialCount } : {}),
      trialTemplate: { trialParameters: [], trialSpec: {} },
      metricsCollectorSpec: { collector: { kind: 'StdOut' } },
      resumePolicy: 'Never',
    },
  };
}

export function earlyStoppingFromProto(pb: PbEarlyStoppingSpec): EarlyStoppingSpec {
  return {
    algorithmName: pb.algorithmName,
    algorithmSettings: pb.algorithmSettings.map((s) => ({ name: s.name, value: s.value })),
  };
}

function parameterFromProto(pb: PbParameterSpec, i: number, problems: KatibError[]): ParameterSpec {
  const parameterType = TYPES[pb.parameterType];
  if (parameterType === undefined) {
    problems.push(
      invalidArgument(
        `spec.parameters[${i}].parameterType`,
        pb.parameterType,
        'must be DOUBLE, INT, DISCRETE or CATEGORICAL',
      ),
    );
  }
  const fs = pb.feasibleSpace;
  const feasibleSpace: FeasibleSpace = {};
  if (fs?.min) feasibleSpace.min = fs.min;
  if (fs?.max) feasibleSpace.max = fs.max;
  if (fs?.step) feasibleSpace.step = fs.step;
  if (fs !== undefined && fs.list.length > 0) feasibleSpace.list = [...fs.list];
  if (fs !== undefined && fs.distribution !== PbDistribution.DISTRIBUTION_UNSPECIFIED) {
    const distribution = DISTRIBUTIONS[fs.distribution];
    if (distribution === undefined) {
      problems.push(
        invalidArgument(
          `spec.parameters[${i}].feasibleSpace.distribution`,
          fs.distribution,
          'must be UNIFORM, LOG_UNIFORM, NORMAL or LOG_NORMAL',
        ),
      );
    } else feasibleSpace.distribution = distribution;
  }
  return { name: pb.name, parameterType: parameterType ?? 'double', feasibleSpace };
}

/** The request form of a domain Experiment (metric strategies and the trial template stay behind). */
export function experimentToProto(experiment: Experiment): PbExperiment {
  const { spec } = experiment;
  const typeOf = (t: ParameterType) => Number(Object.entries(TYPES).find(([, v]) => v === t)![0]);
  const distributionOf = (d: Distribution | undefined) =>
    d === undefined ? 0 : Number(Object.entries(DISTRIBUTIONS).find(([, v]) => v === d)![0]);
  return create(ExperimentSchema, {
    name: experiment.metadata.name,
    spec: {
      parameterSpecs: {
        parameters: spec.parameters.map((p) => ({
          name: p.name,
          parameterType: typeOf(p.parameterType),
          feasibleSpace: {
            min: p.feasibleSpace.min ?? '',
            max: p.feasibleSpace.max ?? '',
            step: p.feasibleSpace.step ?? '',
            list: p.feasibleSpace.list ?? [],
            distribution: distributionOf(p.feasibleSpace.distribution),
          },
        })),
      },
      objective: {
        type: spec.objective.type === 'maximize' ? ObjectiveType.MAXIMIZE : ObjectiveType.MINIMIZE,
        goal: spec.objective.goal ?? 0,
        objectiveMetricName: spec.objective.objectiveMetricName,
        additionalMetricNames: spec.objective.additionalMetricNames,
      },
      algorithm: spec.algorithm,
      ...(spec.earlyStopping === undefined ? {} : { earlyStopping: spec.earlyStopping }),
      parallelTrialCount: spec.parallelTrialCount,
      maxTrialCount: spec.maxTrialCount ?? 0,
    },
  });
}

/** Throws the one problem, or one `invalid_argument` listing all of them. */
export function throwAll(problems: readonly KatibError[]): void {
  const [first] = problems;
  if (first === undefined) return;
  if (problems.length === 1) throw first;
  throw new KatibError('invalid_argument', problems.map((p) => p.message).join('; '), { field: first.field });
}
