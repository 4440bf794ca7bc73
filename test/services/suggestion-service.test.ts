import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { type RunningService, startSuggestionService } from '../../src/algorithm-services/index.js';
import { KatibError } from '../../src/api/errors.js';
import {
  TrialStatus_TrialConditionType as Condition,
  type GetSuggestionsReply,
} from '../../src/gen/api/v1/beta1/api_pb.js';
import { HealthCheckResponse_ServingStatus } from '../../src/gen/grpc/health/v1/health_pb.js';
import { BRACKET_LABEL, RUNG_LABEL } from '../../src/suggestion/hyperband/index.js';
import { grpcError, ServiceClients } from './clients.js';
import { katibExperiment, katibTrial, type TrialInit } from './katib-request.js';

/** A history as Katib sends it: finished trials with their metrics, a running one, a failed one. */
const HISTORY: TrialInit[] = [
  katibTrial(
    'mnist-example-a1',
    { lr: '0.01', 'num-layers': '2', optimizer: 'sgd', momentum: '0.9' },
    Condition.SUCCEEDED,
    '0.81',
    {},
    0,
  ),
  katibTrial(
    'mnist-example-b2',
    { lr: '0.03', 'num-layers': '4', optimizer: 'adam', momentum: '0.95' },
    Condition.SUCCEEDED,
    '0.93',
    {},
    10,
  ),
  katibTrial(
    'mnist-example-c3',
    { lr: '0.05', 'num-layers': '3', optimizer: 'ftrl', momentum: '0.99' },
    Condition.FAILED,
    undefined,
    {},
    20,
  ),
  katibTrial(
    'mnist-example-d4',
    { lr: '0.02', 'num-layers': '5', optimizer: 'adam', momentum: '0.9' },
    Condition.RUNNING,
    undefined,
    {},
    30,
  ),
  katibTrial(
    'mnist-example-e5',
    { lr: '0.04', 'num-layers': '2', optimizer: 'sgd', momentum: '0.95' },
    Condition.SUCCEEDED,
    '0.88',
    {},
    40,
  ),
];

function checkAssignments(reply: GetSuggestionsReply, count: number): void {
  assert.equal(reply.parameterAssignments.length, count);
  for (const pa of reply.parameterAssignments) {
    assert.equal(pa.trialName, '');
    const values = Object.fromEntries(pa.assignments.map((a) => [a.name, a.value]));
    assert.deepEqual(Object.keys(values).sort(), ['lr', 'momentum', 'num-layers', 'optimizer']);
    assert.ok(['0.01', '0.02', '0.03', '0.04', '0.05'].includes(values.lr!), `lr ${values.lr}`);
    assert.match(values['num-layers']!, /^[2-5]$/);
    assert.ok(['sgd', 'adam', 'ftrl'].includes(values.optimizer!));
    assert.ok(['0.9', '0.95', '0.99'].includes(values.momentum!));
  }
}

const keyOf = (assignments: { name: string; value: string }[]) =>
  JSON.stringify([...assignments].sort((a, b) => a.name.localeCompare(b.name)).map((a) => [a.name, a.value]));

describe('Suggestion service over gRPC', () => {
  const services = new Map<string, { service: RunningService; client: ServiceClients }>();
  before(async () => {
    for (const algorithm of ['random', 'grid', 'tpe', 'hyperband']) {
      const service = await startSuggestionService({ algorithm, listen: '127.0.0.1:0' });
      services.set(algorithm, { service, client: new ServiceClients(service.address) });
    }
  });
  after(async () => {
    for (const { service, client } of services.values()) {
      client.close();
      await service.close();
    }
  });
  const client = (algorithm: string) => services.get(algorithm)!.client;

  for (const algorithm of ['random', 'grid', 'tpe']) {
    it(`${algorithm}: answers current_request_number new assignments for a Katib request`, async () => {
      const request = {
        experiment: katibExperiment(algorithm, algorithm === 'grid' ? {} : { random_state: '10' }),
        trials: HISTORY,
        currentRequestNumber: 3,
        totalRequestNumber: 8,
      };
      const reply = await client(algorithm).getSuggestions(request);
      checkAssignments(reply, 3);
      const tried = new Set(
        HISTORY.map((t) =>
          keyOf(t.spec!.parameterAssignments!.assignments!.map((a) => ({ name: a.name!, value: a.value! }))),
        ),
      );
      for (const pa of reply.parameterAssignments)
        assert.ok(!tried.has(keyOf(pa.assignments)), 'never repeats the history');
      assert.deepEqual(
        await client(algorithm).getSuggestions(request),
        reply,
        'equal requests, equal answers',
      );
      assert.equal(
        (await client(algorithm).getSuggestions({ ...request, currentRequestNumber: 0 })).parameterAssignments
          .length,
        0,
      );
    });
  }

  it('grid hands out the points in order, then none once the grid is used up', async () => {
    const experiment = katibExperiment(
      'grid',
      {},
      {
        parameterSpecs: {
          parameters: [{ name: 'lr', parameterType: 2, feasibleSpace: { min: '1', max: '3' } }],
        },
        maxTrialCount: 3,
      },
    );
    const first = await client('grid').getSuggestions({ experiment, trials: [], currentRequestNumber: 2 });
    assert.deepEqual(
      first.parameterAssignments.map((p) => p.assignments[0]!.value),
      ['1', '2'],
    );
    const trials = ['1', '2', '3'].map((v, k) =>
      katibTrial(`t${k}`, { lr: v }, Condition.SUCCEEDED, '0.5', {}, k),
    );
    const none = await client('grid').getSuggestions({ experiment, trials, currentRequestNumber: 2 });
    assert.equal(none.parameterAssignments.length, 0);
  });

  it('hyperband returns its bracket/rung labels and promotes from them on the next request', async () => {
    const experiment = katibExperiment(
      'hyperband',
      { r_l: '4', resource_name: 'num-layers', eta: '2' },
      {
        parallelTrialCount: 4,
        parameterSpecs: {
          parameters: [
            { name: 'lr', parameterType: 1, feasibleSpace: { min: '0.01', max: '0.05' } },
            { name: 'num-layers', parameterType: 2, feasibleSpace: { min: '1', max: '4' } },
          ],
        },
      },
    );
    const first = await client('hyperband').getSuggestions({
      experiment,
      trials: [],
      currentRequestNumber: 4,
    });
    assert.equal(first.parameterAssignments.length, 4);
    for (const pa of first.parameterAssignments) {
      assert.deepEqual({ ...pa.labels }, { [BRACKET_LABEL]: '2', [RUNG_LABEL]: '0' });
    }
    // Katib copies the labels onto the trials and sends them back with the results.
    const trials = first.parameterAssignments.map((pa, k) =>
      katibTrial(
        `hb-${k}`,
        Object.fromEntries(pa.assignments.map((a) => [a.name, a.value])),
        Condition.SUCCEEDED,
        String(0.5 + k / 10),
        { ...pa.labels },
        k,
      ),
    );
    const next = await client('hyperband').getSuggestions({ experiment, trials, currentRequestNumber: 2 });
    assert.equal(next.parameterAssignments.length, 2);
    const best = first.parameterAssignments[3]!.assignments.find((a) => a.name === 'lr')!.value;
    const promoted = next.parameterAssignments[0]!;
    assert.deepEqual({ ...promoted.labels }, { [BRACKET_LABEL]: '2', [RUNG_LABEL]: '1' });
    assert.equal(promoted.assignments.find((a) => a.name === 'lr')!.value, best);
    assert.equal(promoted.assignments.find((a) => a.name === 'num-layers')!.value, '2');
  });

  it('ValidateAlgorithmSettings: OK for good settings, INVALID_ARGUMENT naming every bad one', async () => {
    await client('tpe').validateAlgorithmSettings({ experiment: katibExperiment('tpe', { gamma: '0.25' }) });
    const err = await grpcError(
      client('tpe').validateAlgorithmSettings({
        experiment: katibExperiment('tpe', { gamma: '2', n_EI_candidates: '-1' }),
      }),
    );
    assert.equal(err.code, status.INVALID_ARGUMENT);
    assert.match(err.details, /spec\.algorithm\.algorithmSettings\[0\]\.value: "2" is not a valid gamma/);
    assert.match(err.details, /algorithmSettings\[1\]\.value: "-1" is not a valid n_EI_candidates/);
  });

  it("ValidateAlgorithmSettings: hyperband's parallelTrialCount rule", async () => {
    const err = await grpcError(
      client('hyperband').validateAlgorithmSettings({
        experiment: katibExperiment(
          'hyperband',
          { r_l: '5', resource_name: 'num-layers' },
          { parallelTrialCount: 2 },
        ),
      }),
    );
    assert.equal(err.code, status.INVALID_ARGUMENT);
    assert.match(err.details, /spec\.parallelTrialCount: 2 must be at least 3 for hyperband/);
  });

  it('INVALID_ARGUMENT for a request the algorithm cannot take, naming the field', async () => {
    const cases: [Parameters<ServiceClients['getSuggestions']>[0], RegExp][] = [
      [{ trials: [], currentRequestNumber: 1 }, /^experiment: undefined is required/],
      [{ experiment: katibExperiment('random'), currentRequestNumber: -1 }, /current_request_number: -1/],
      [
        { experiment: katibExperiment('grid'), currentRequestNumber: 1 },
        /is not served here: this suggestion service runs random/,
      ],
      [
        {
          experiment: katibExperiment(
            'random',
            {},
            { parameterSpecs: { parameters: [{ name: 'x', parameterType: 0 }] } },
          ),
          currentRequestNumber: 1,
        },
        /spec\.parameters\[0\]\.parameterType: 0 must be DOUBLE, INT, DISCRETE or CATEGORICAL/,
      ],
      [
        {
          experiment: katibExperiment(
            'random',
            {},
            {
              parameterSpecs: {
                parameters: [{ name: 'x', parameterType: 1, feasibleSpace: { min: '5', max: '1' } }],
              },
            },
          ),
          currentRequestNumber: 1,
        },
        /spec\.parameters\[0\]\.feasibleSpace\.max: "1" must not be below min/,
      ],
      [
        {
          experiment: katibExperiment('random', {}, { objective: { type: 0, objectiveMetricName: '' } }),
          currentRequestNumber: 1,
        },
        /spec\.objective\.type: 0 must be MINIMIZE or MAXIMIZE; spec\.objective\.objectiveMetricName/,
      ],
    ];
    for (const [request, details] of cases) {
      const err = await grpcError(client('random').getSuggestions(request));
      assert.equal(err.code, status.INVALID_ARGUMENT, err.details);
      assert.match(err.details, details);
    }
  });

  it('answers health checks for Katib probes', async () => {
    for (const name of [
      '',
      'grpc.health.v1.Health',
      'api.v1.beta1.Suggestion',
      'manager.v1beta1.Suggestion',
    ]) {
      assert.equal(
        (await client('random').check(name)).status,
        HealthCheckResponse_ServingStatus.SERVING,
        name,
      );
    }
    assert.equal((await grpcError(client('random').check('api.v1.beta1.DBManager'))).code, status.NOT_FOUND);
  });

  it('refuses to start for an unknown algorithm, listing the known ones', async () => {
    await assert.rejects(
      startSuggestionService({ algorithm: 'enas', listen: '127.0.0.1:0' }),
      (err: unknown) =>
        err instanceof KatibError &&
        err.code === 'invalid_argument' &&
        /known: .*hyperband.*tpe/.test(err.message),
    );
  });
});
