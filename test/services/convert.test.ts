import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import {
  experimentFromProto,
  experimentToProto,
  inStartOrder,
  trialFromProto,
  trialToProto,
} from '../../src/algorithm-services/index.js';
import type { Experiment } from '../../src/api/experiment.js';
import type { Trial } from '../../src/api/trial.js';
import {
  TrialStatus_TrialConditionType as Condition,
  ExperimentSchema,
  TrialSchema,
} from '../../src/gen/api/v1/beta1/api_pb.js';
import { trialState } from '../../src/suggestion/index.js';
import { katibExperiment, katibTrial } from './katib-request.js';

describe('protobuf <-> domain', () => {
  it('reads a Katib Experiment into the domain shape', () => {
    const e = experimentFromProto(
      create(
        ExperimentSchema,
        katibExperiment(
          'tpe',
          { gamma: '0.2' },
          {
            earlyStopping: {
              algorithmName: 'medianstop',
              algorithmSettings: [{ name: 'start_step', value: '5' }],
            },
          },
        ),
      ),
    );
    assert.equal(e.metadata.name, 'mnist-example');
    assert.deepEqual(e.spec.parameters, [
      { name: 'lr', parameterType: 'double', feasibleSpace: { min: '0.01', max: '0.05', step: '0.01' } },
      { name: 'num-layers', parameterType: 'int', feasibleSpace: { min: '2', max: '5' } },
      { name: 'optimizer', parameterType: 'categorical', feasibleSpace: { list: ['sgd', 'adam', 'ftrl'] } },
      {
        name: 'momentum',
        parameterType: 'discrete',
        feasibleSpace: { list: ['0.9', '0.95', '0.99'], distribution: 'uniform' },
      },
    ]);
    assert.deepEqual(e.spec.objective, {
      type: 'maximize',
      goal: 0.99,
      objectiveMetricName: 'Validation-accuracy',
      additionalMetricNames: ['Train-accuracy'],
      metricStrategies: [],
    });
    assert.deepEqual(e.spec.algorithm, {
      algorithmName: 'tpe',
      algorithmSettings: [{ name: 'gamma', value: '0.2' }],
    });
    assert.deepEqual(e.spec.earlyStopping, {
      algorithmName: 'medianstop',
      algorithmSettings: [{ name: 'start_step', value: '5' }],
    });
    assert.equal(e.spec.parallelTrialCount, 3);
    assert.equal(e.spec.maxTrialCount, 12);
  });

  it('unset numbers: parallel_trial_count 0 is Katib default 3, max_trial_count 0 no limit', () => {
    const e = experimentFromProto(
      create(ExperimentSchema, katibExperiment('random', {}, { parallelTrialCount: 0, maxTrialCount: 0 })),
    );
    assert.equal(e.spec.parallelTrialCount, 3);
    assert.equal(e.spec.maxTrialCount, undefined);
  });

  it('round-trips an Experiment through the wire', () => {
    const pb = create(ExperimentSchema, katibExperiment('grid'));
    const back: Experiment = experimentFromProto(experimentToProto(experimentFromProto(pb)));
    assert.deepEqual(back, experimentFromProto(pb));
  });

  const states: [Condition, Trial['conditions'][number]['type']][] = [
    [Condition.CREATED, 'Created'],
    [Condition.RUNNING, 'Running'],
    [Condition.SUCCEEDED, 'Succeeded'],
    [Condition.KILLED, 'Killed'],
    [Condition.FAILED, 'Failed'],
    [Condition.METRICSUNAVAILABLE, 'MetricsUnavailable'],
    [Condition.EARLYSTOPPED, 'EarlyStopped'],
    [Condition.UNKNOWN, 'Created'],
  ];
  for (const [wire, domain] of states) {
    it(`trial condition ${Condition[wire]} reads as ${domain}`, () => {
      const t = trialFromProto(create(TrialSchema, katibTrial('t', { lr: '0.01' }, wire, '0.5')), 'e');
      assert.equal(trialState(t), domain);
      if (wire !== Condition.UNKNOWN) assert.equal(trialToProto(t, objective).status?.condition, wire);
    });
  }

  const objective: Experiment['spec']['objective'] = {
    type: 'maximize',
    objectiveMetricName: 'acc',
    additionalMetricNames: ['loss'],
    metricStrategies: [{ name: 'acc', value: 'latest' }],
  };

  it('sends each metric reduced by its strategy; a wire value reads back under any strategy', () => {
    const t: Trial = {
      name: 't1',
      experimentName: 'e',
      parameterAssignments: [{ name: 'lr', value: '0.01' }],
      labels: { team: 'a' },
      conditions: [],
      observation: {
        metrics: [
          { name: 'acc', min: '0.1', max: '0.9', latest: '0.5' },
          { name: 'loss', min: '0.2', max: '3', latest: 'unavailable' },
        ],
      },
    };
    const pb = trialToProto(t, objective);
    // acc: latest (listed); loss: max (Katib's default when maximizing).
    assert.deepEqual(
      pb.status?.observation?.metrics.map((m) => [m.name, m.value]),
      [
        ['acc', '0.5'],
        ['loss', '3'],
      ],
    );
    assert.deepEqual({ ...pb.spec?.labels }, { team: 'a' });
    const back = trialFromProto(pb, 'e');
    assert.deepEqual(back.observation?.metrics[0], { name: 'acc', min: '0.5', max: '0.5', latest: '0.5' });
    assert.deepEqual(back.parameterAssignments, t.parameterAssignments);
  });

  it('orders trials by start time, not yet started ones last', () => {
    const trials = [
      katibTrial('late', {}, Condition.SUCCEEDED, '1', {}, 50),
      katibTrial('pending', {}, Condition.CREATED),
      katibTrial('early', {}, Condition.RUNNING, undefined, {}, 5),
    ].map((t) => trialFromProto(create(TrialSchema, t), 'e'));
    assert.deepEqual(
      inStartOrder(trials).map((t) => t.name),
      ['early', 'late', 'pending'],
    );
  });
});
