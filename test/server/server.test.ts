import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { closeReportConnections, KatibClient, reportMetrics, search } from '../../src/index.js';
import {
  assertKatibError,
  assertSeedResult,
  commandExperiment,
  SEED_PARAMETERS,
  state,
  tempDir,
} from '../sdk/support.js';
import { freePort, until } from '../support/fixtures.js';
import { type ServerProcess, startServer } from './server-process.js';

const WAIT = { timeout: 90, pollingInterval: 0.2 };

describe('KatibClient against a katib server process', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: ServerProcess;
  let client: KatibClient;
  before(async () => {
    tmp = tempDir('katib-server-');
    server = await startServer(`sqlite:${join(tmp.dir, 'server.db')}`, join(tmp.dir, 'work'));
    client = new KatibClient({ address: server.address });
  });
  after(async () => {
    await client.close();
    await closeReportConnections();
    if (server.cli.child.exitCode === null) await server.stop();
    tmp.remove();
  });

  it('runs the seed example with Push on the server, every read method answering over gRPC', async () => {
    const created = await client.tune({
      name: 'seed-push',
      parameters: SEED_PARAMETERS,
      objective: async ({ a, b }) => {
        const { parse } = await import('yaml');
        console.log(`a=${a} b=${b} on ${parse('where: server').where}`);
        return 4 * a - b ** 2;
      },
      objectiveMetricName: 'result',
      maxTrialCount: 12,
      metricsCollectorConfig: { kind: 'Push' },
    });
    assert.equal(created.metadata.name, 'seed-push');
    const done = await client.waitForExperimentCondition('seed-push', WAIT);
    const trials = await client.listTrials('seed-push');
    assertSeedResult(done, trials);

    assert.deepEqual(await client.getOptimalHyperparameters('seed-push'), done.status?.currentOptimalTrial);
    assert.equal((await client.getSuccessTrialDetails('seed-push')).length, 12);
    assert.deepEqual(await client.getTrial(trials[3]!.name), trials[3]);
    const metrics = await client.getTrialMetrics(trials[3]!.name, { metricName: 'result' });
    assert.equal(metrics.length, 1);
    assert.equal(metrics[0]!.metric.value, trials[3]!.observation?.metrics[0]?.latest);
    assert.match((await client.getTrialLogs(trials[3]!.name)).stdout, /^a=\d+ b=0\.\d+ on server\n$/);
    assert.equal(await client.isExperimentSucceeded('seed-push'), true);
    assert.equal(await client.isExperimentCreated('seed-push'), true);
    assert.equal(await client.isExperimentRunning('seed-push'), false);
    assert.equal(await client.isExperimentRestarting('seed-push'), false);
    assert.equal(await client.isExperimentFailed('seed-push'), false);
    assert.ok((await client.getExperimentConditions('seed-push')).some((c) => c.type === 'Succeeded'));
    assert.deepEqual(
      (await client.listExperiments()).map((e) => e.metadata.name),
      ['seed-push'],
    );
  });

  it('runs the seed example with StdOut on the server', async () => {
    await client.tune({
      name: 'seed-stdout',
      parameters: SEED_PARAMETERS,
      objective: ({ a, b }) => 4 * a - b ** 2,
      objectiveMetricName: 'result',
      maxTrialCount: 12,
      parallelTrialCount: 4,
    });
    const done = await client.waitForExperimentCondition('seed-stdout', WAIT);
    assertSeedResult(done, await client.listTrials('seed-stdout'));
  });

  it('ends a never-reporting Push objective MetricsUnavailable', async () => {
    await client.tune({
      name: 'silent',
      parameters: { x: search.discrete([1]) },
      objective: () => undefined,
      objectiveMetricName: 'result',
      maxTrialCount: 1,
      metricsCollectorConfig: { kind: 'Push' },
    });
    await client.waitForExperimentCondition('silent', WAIT);
    const [trial] = await client.listTrials('silent');
    assert.equal(state(trial!), 'MetricsUnavailable');
  });

  it("serves Katib's DBManager on the same address", async () => {
    await reportMetrics(
      { accuracy: 0.93 },
      { dbManagerAddress: server.address, trialName: 'pushed-from-outside' },
    );
    const logs = await client.getTrialMetrics('pushed-from-outside');
    assert.deepEqual(
      logs.map((l) => l.metric),
      [{ name: 'accuracy', value: '0.93' }],
    );
  });

  it('carries errors across gRPC with their code and field', async () => {
    await assertKatibError(client.getExperiment('nope'), 'not_found');
    await assertKatibError(client.getTrial('nope-trial'), 'not_found');
    await assertKatibError(client.getTrialLogs('nope-trial'), 'not_found');
    await assertKatibError(client.listTrials('nope'), 'not_found');
    await assertKatibError(client.deleteExperiment('nope'), 'not_found');
    await assertKatibError(
      client.editExperimentBudget('seed-push', { parallelTrialCount: 99 }),
      'invalid_argument',
      'parallelTrialCount',
    );
    await assertKatibError(
      client.editExperimentBudget('seed-push', { maxTrialCount: 20 }),
      'failed_precondition',
    );
    await assertKatibError(
      client.createExperiment(commandExperiment('seed-push', { maxTrialCount: 1 })),
      'already_exists',
    );
    const bad = commandExperiment('bad', { maxTrialCount: 1 });
    // Validated by the client first; the server checks what it is sent again.
    await assertKatibError(
      client.createExperiment({ ...bad, spec: { ...bad.spec, parallelTrialCount: 5 } }),
      'invalid_argument',
      'spec.parallelTrialCount',
    );
  });

  it('creates from a file, edits a budget (restarting a finished LongRunning experiment) and deletes', async () => {
    const file = join(tmp.dir, 'budget.json');
    writeFileSync(
      file,
      JSON.stringify(commandExperiment('budget', { maxTrialCount: 1, resumePolicy: 'LongRunning' })),
    );
    await client.createExperiment(file);
    await client.waitForExperimentCondition('budget', WAIT);
    const edited = await client.editExperimentBudget('budget', { maxTrialCount: 2 });
    assert.equal(edited.spec.maxTrialCount, 2);
    const done = await client.waitForExperimentCondition('budget', WAIT);
    assert.equal(done.status?.trialsSucceeded, 2);

    const trials = await client.listTrials('budget');
    await client.deleteExperiment('budget');
    await assertKatibError(client.getExperiment('budget'), 'not_found');
    assert.deepEqual(await client.getTrialMetrics(trials[0]!.name), []);
  });

  it('resumes unfinished experiments when it starts again', async () => {
    await client.createExperiment(
      commandExperiment('resumed', { maxTrialCount: 2, parallelTrialCount: 2, sleep: 3 }),
    );
    await until(
      'two running trials',
      async () => (await client.getExperiment('resumed')).status?.trialsRunning === 2,
      20_000,
    );
    assert.equal((await server.stop()).code, 0);
    await assertKatibError(client.listExperiments(), 'unavailable');
    await client.close();

    server = await startServer(`sqlite:${join(tmp.dir, 'server.db')}`, join(tmp.dir, 'work'));
    assert.deepEqual(server.resumed, ['resumed']);
    client = new KatibClient({ address: server.address });
    const done = await client.waitForExperimentCondition('resumed', WAIT);
    assert.equal(done.status?.trialsSucceeded, 2);
    for (const t of await client.listTrials('resumed')) assert.equal(t.runtime?.attempt, 2);
  });

  it('answers unavailable, naming the address, when no server listens there', async () => {
    const port = await freePort();
    const nobody = new KatibClient({ address: `127.0.0.1:${port}`, timeout: 5 });
    try {
      const err = await assertKatibError(nobody.listExperiments(), 'unavailable');
      assert.match(err.message, new RegExp(`katib server at 127\\.0\\.0\\.1:${port}`));
    } finally {
      await nobody.close();
    }
  });
});
