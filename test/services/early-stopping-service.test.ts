import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { status } from '@grpc/grpc-js';
import { type RunningService, startEarlyStoppingService } from '../../src/algorithm-services/index.js';
import { type RunningDbManager, startDbManager } from '../../src/dbmanager/index.js';
import {
  ComparisonType,
  TrialStatus_TrialConditionType as Condition,
  type GetEarlyStoppingRulesRequest,
  type GetEarlyStoppingRulesRequestSchema,
} from '../../src/gen/api/v1/beta1/api_pb.js';
import { HealthCheckResponse_ServingStatus } from '../../src/gen/grpc/health/v1/health_pb.js';
import { type Database, openDatabase } from '../../src/store/index.js';
import { freePort } from '../support/fixtures.js';
import { grpcError, ServiceClients } from './clients.js';
import { type ExperimentInit, katibExperiment, katibTrial } from './katib-request.js';

type RulesRequest = Exclude<
  MessageInitShape<typeof GetEarlyStoppingRulesRequestSchema>,
  GetEarlyStoppingRulesRequest
> & {
  experiment: ExperimentInit;
};

const MEDIANSTOP = {
  algorithmName: 'medianstop',
  algorithmSettings: [
    { name: 'min_trials_required', value: '3' },
    { name: 'start_step', value: '2' },
  ],
};

const ASSIGN = { lr: '0.01', 'num-layers': '2', optimizer: 'sgd', momentum: '0.9' };

describe('EarlyStopping service over gRPC, logs from a real DB manager on SQLite', () => {
  let dir: string;
  let db: Database;
  let manager: RunningDbManager;
  let service: RunningService;
  let client: ServiceClients;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'katib-es-'));
    db = await openDatabase(`sqlite:${join(dir, 'katib.db')}`);
    manager = await startDbManager({ db, grpcListen: '127.0.0.1:0', httpListen: null });
    service = await startEarlyStoppingService({ listen: '127.0.0.1:0' });
    client = new ServiceClients(service.address);
    // Objective logs as trials pushed them (with another metric in between, which must not count).
    const report = (trial: string, values: string[]) =>
      db.observations.report(
        trial,
        values.flatMap((value, k) => [
          { time: 1_700_000_000_000_000 + k * 2_000_000, name: 'Validation-accuracy', value },
          { time: 1_700_000_000_000_000 + k * 2_000_000 + 1, name: 'Train-accuracy', value: '0.1' },
        ]),
      );
    await report('t-ok-1', ['0.5', '0.7', '0.99']); // first 2: 0.6
    await report('t-ok-2', ['0.7', '0.9']); // 0.8
    await report('t-ok-3', ['0.2', '0.2', '0.9']); // 0.2
    await report('t-running', ['0.1', '0.1']);
    await report('t-failed', ['0.0']);
  });
  after(async () => {
    client.close();
    await service.close();
    await manager.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const request = (succeeded: number, extra: Partial<RulesRequest> = {}): RulesRequest => ({
    experiment: katibExperiment('random', {}, { earlyStopping: MEDIANSTOP }),
    trials: [
      ...['t-ok-1', 't-ok-2', 't-ok-3']
        .slice(0, succeeded)
        .map((name, k) => katibTrial(name, ASSIGN, Condition.SUCCEEDED, '0.9', {}, k)),
      katibTrial('t-running', ASSIGN, Condition.RUNNING, undefined, {}, 5),
      katibTrial('t-failed', ASSIGN, Condition.FAILED, undefined, {}, 6),
    ],
    dbManagerAddress: manager.grpcAddress,
    ...extra,
  });

  it('medianstop: the mean of the first start_step averages (as Katib), LESS when maximizing', async () => {
    const reply = await client.getEarlyStoppingRules(request(3));
    assert.deepEqual(
      reply.earlyStoppingRules.map((r) => ({
        name: r.name,
        value: r.value,
        comparison: r.comparison,
        startStep: r.startStep,
      })),
      [
        {
          name: 'Validation-accuracy',
          value: String((0.6 + 0.8 + 0.2) / 3),
          comparison: ComparisonType.LESS,
          startStep: 2,
        },
      ],
    );
  });

  it('GREATER when minimizing', async () => {
    const req = request(3);
    req.experiment.spec.objective = { ...req.experiment.spec.objective, type: 1 };
    const [rule] = (await client.getEarlyStoppingRules(req)).earlyStoppingRules;
    assert.equal(rule?.comparison, ComparisonType.GREATER);
  });

  it('no rules while fewer than min_trials_required trials have succeeded', async () => {
    assert.deepEqual((await client.getEarlyStoppingRules(request(2))).earlyStoppingRules, []);
  });

  it('UNAVAILABLE naming the address when the DB manager cannot be reached', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const err = await grpcError(client.getEarlyStoppingRules(request(3, { dbManagerAddress: address })));
    assert.equal(err.code, status.UNAVAILABLE);
    assert.match(err.details, new RegExp(`from the DB manager at ${address}`));
  });

  it('INVALID_ARGUMENT for a bad address, missing early stopping, bad settings', async () => {
    const noEarlyStopping = request(3);
    delete noEarlyStopping.experiment.spec.earlyStopping;
    const badSettings = request(3);
    badSettings.experiment.spec.earlyStopping = {
      algorithmName: 'medianstop',
      algorithmSettings: [{ name: 'start_step', value: '0' }],
    };
    const cases: [RulesRequest, RegExp][] = [
      [
        request(3, { dbManagerAddress: 'no port here' }),
        /db_manager_address: "no port here" must be HOST:PORT/,
      ],
      [request(3, { dbManagerAddress: '' }), /db_manager_address: "" is required/],
      [noEarlyStopping, /spec\.earlyStopping\.algorithmName: "" is required/],
      [
        badSettings,
        /algorithmSettings\[0\]\.value: "0" is not a valid start_step: must be a whole number >= 1/,
      ],
    ];
    for (const [req, details] of cases) {
      const err = await grpcError(client.getEarlyStoppingRules(req));
      assert.equal(err.code, status.INVALID_ARGUMENT, err.details);
      assert.match(err.details, details);
    }
  });

  it('ValidateEarlyStoppingSettings: OK, or INVALID_ARGUMENT naming every bad setting and unknown names', async () => {
    await client.validateEarlyStoppingSettings({ earlyStopping: MEDIANSTOP });
    const bad = await grpcError(
      client.validateEarlyStoppingSettings({
        earlyStopping: {
          algorithmName: 'medianstop',
          algorithmSettings: [
            { name: 'min_trials_required', value: '0' },
            { name: 'burn_in', value: '3' },
          ],
        },
      }),
    );
    assert.equal(bad.code, status.INVALID_ARGUMENT);
    assert.match(
      bad.details,
      /"0" is not a valid min_trials_required.*"burn_in" is not a setting of medianstop/,
    );
    const unknown = await grpcError(
      client.validateEarlyStoppingSettings({ earlyStopping: { algorithmName: 'hyperstop' } }),
    );
    assert.equal(unknown.code, status.INVALID_ARGUMENT);
    assert.match(
      unknown.details,
      /"hyperstop" is not a known early stopping algorithm \(known: medianstop\)/,
    );
    const missing = await grpcError(client.validateEarlyStoppingSettings({}));
    assert.equal(missing.code, status.INVALID_ARGUMENT);
  });

  it('SetTrialStatus accepts a trial name and answers empty', async () => {
    assert.ok(await client.setTrialStatus({ trialName: 't-running' }));
    assert.equal((await grpcError(client.setTrialStatus({ trialName: '' }))).code, status.INVALID_ARGUMENT);
  });

  it('answers health checks', async () => {
    for (const name of ['', 'api.v1.beta1.EarlyStopping', 'manager.v1beta1.EarlyStopping']) {
      assert.equal((await client.check(name)).status, HealthCheckResponse_ServingStatus.SERVING, name);
    }
  });
});
