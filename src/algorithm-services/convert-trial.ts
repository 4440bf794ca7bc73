/**
 * Katib's protobuf Trial to the domain Trial and back. The wire has one condition per trial and
 * one value per metric (Katib's controller reduces each metric by the experiment's strategy
 * before sending it), so a domain trial from the wire has that condition True and min = max =
 * latest = the sent value: whichever strategy an algorithm applies, it reads the sent value.
 */
import { create } from '@bufbuild/protobuf';
import { currentCondition } from '../api/conditions.js';
import type { Condition, ObjectiveSpec } from '../api/experiment.js';
import type { ObservationMetric } from '../api/observation.js';
import type { Trial, TrialConditionType } from '../api/trial.js';
import { strategyFor } from '../collector/index.js';
import {
  ObjectiveType,
  TrialStatus_TrialConditionType as PbCondition,
  type Trial as PbTrial,
  TrialSchema,
} from '../gen/api/v1/beta1/api_pb.js';

const CONDITIONS: Record<number, TrialConditionType> = {
  [PbCondition.CREATED]: 'Created',
  [PbCondition.RUNNING]: 'Running',
  [PbCondition.SUCCEEDED]: 'Succeeded',
  [PbCondition.KILLED]: 'Killed',
  [PbCondition.FAILED]: 'Failed',
  [PbCondition.METRICSUNAVAILABLE]: 'MetricsUnavailable',
  [PbCondition.EARLYSTOPPED]: 'EarlyStopped',
};

/**
 * The domain Trial of a request's trial. UNKNOWN (or an unlisted number) reads as a trial that
 * has not started: algorithms count it as pending, never as a result.
 */
export function trialFromProto(pb: PbTrial, experimentName: string): Trial {
  const status = pb.status;
  const state = status === undefined ? 'Created' : (CONDITIONS[status.condition] ?? 'Created');
  const started = status?.startTime ?? '';
  const ended = status?.completionTime || started;
  // Created first, the current condition last: with equal times the later one is current.
  const conditions: Condition<TrialConditionType>[] = [condition('Created', started)];
  if (state !== 'Created') conditions.push(condition(state, state === 'Running' ? started : ended));
  const metrics: ObservationMetric[] = (status?.observation?.metrics ?? []).map((m) => ({
    name: m.name,
    min: m.value,
    max: m.value,
    latest: m.value,
  }));
  return {
    name: pb.name,
    experimentName,
    parameterAssignments: (pb.spec?.parameterAssignments?.assignments ?? []).map((a) => ({
      name: a.name,
      value: a.value,
    })),
    labels: { ...(pb.spec?.labels ?? {}) },
    conditions,
    ...(status?.startTime ? { startTime: status.startTime } : {}),
    ...(status?.completionTime ? { completionTime: status.completionTime } : {}),
    ...(metrics.length > 0 ? { observation: { metrics } } : {}),
  };
}

/**
 * The wire form of a domain trial, as Katib's controller builds it: the current condition, and
 * each observed metric reduced by the experiment's strategy for it (its text as stored).
 */
export function trialToProto(trial: Trial, objective: ObjectiveSpec): PbTrial {
  const current = currentCondition(trial.conditions)?.type ?? 'Created';
  const condition = Number(
    Object.entries(CONDITIONS).find(([, v]) => v === current)?.[0] ?? PbCondition.UNKNOWN,
  );
  const metrics = (trial.observation?.metrics ?? []).map((m) => ({
    name: m.name,
    value: m[strategyFor(objective, m.name)],
  }));
  return create(TrialSchema, {
    name: trial.name,
    spec: {
      objective: {
        type: objective.type === 'maximize' ? ObjectiveType.MAXIMIZE : ObjectiveType.MINIMIZE,
        objectiveMetricName: objective.objectiveMetricName,
        additionalMetricNames: objective.additionalMetricNames,
      },
      parameterAssignments: { assignments: trial.parameterAssignments },
      labels: trial.labels,
    },
    status: {
      startTime: trial.startTime ?? '',
      completionTime: trial.completionTime ?? '',
      condition,
      ...(metrics.length > 0 ? { observation: { metrics } } : {}),
    },
  });
}

/**
 * Katib's controller sends trials in no particular order; algorithms want creation order. The
 * start time is the best the wire offers: trials by start time, not yet started ones last,
 * ties in the order sent.
 */
export function inStartOrder(trials: readonly Trial[]): Trial[] {
  return trials
    .map((trial, index) => ({ trial, index, at: trial.startTime ? Date.parse(trial.startTime) : Number.NaN }))
    .sort((a, b) => {
      const aKnown = !Number.isNaN(a.at);
      const bKnown = !Number.isNaN(b.at);
      if (aKnown !== bKnown) return aKnown ? -1 : 1;
      if (aKnown && a.at !== b.at) return a.at - b.at;
      return a.index - b.index;
    })
    .map((x) => x.trial);
}

function condition(type: TrialConditionType, time: string): Condition<TrialConditionType> {
  return {
    type,
    status: 'True',
    reason: `Trial${type}`,
    message: '',
    lastUpdateTime: time,
    lastTransitionTime: time,
  };
}
