import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExperimentFailedError, KatibClient, search } from '../../src/sdk/index.js';
import {
  assertKatibError,
  assertSeedResult,
  commandExperiment,
  embeddedClient,
  SEED_PARAMETERS,
  state,
  tempDir,
} from './support.js';

const FAST = { timeout: 90, pollingInterval: 5 };

describe('KatibClient, embedded', () => {
  let tmp: ReturnType<typeof tempDir>;
  let client: KatibClient;
  before(() => {
    tmp = tempDir('katib-sdk-');
    client = embeddedClient(tmp.dir);
  });
  after(async () => {
    await client.close();
    tmp.remove();
  });

  it("runs the seed example with Push; the objective imports katib-ts and the project's dependencies from a trial folder outside the project", async () => {
    const created = await client.tune({
      name: 'seed-push',
      parameters: SEED_PARAMETERS,
      objective: async ({ a, b }) => {
        const { reportMetrics } = await import('katib-ts');
        const { parse } = await import('yaml');
        await reportMetrics({
          parsed: parse('value: 7').value,
          cwd_is_trial: process.cwd().includes('/work/') ? 1 : 0,
        });
        return 4 * a - b ** 2;
      },
      objectiveMetricName: 'result',
      additionalMetricNames: ['parsed', 'cwd_is_trial'],
      maxTrialCount: 12,
      metricsCollectorConfig: { kind: 'Push' },
    });
    assert.equal(created.metadata.name, 'seed-push');
    assert.equal(created.spec.objective.type, 'maximize');
    assert.equal(created.spec.algorithm.algorithmName, 'random');

    // The embedded client wakes up when the experiment ends: no 5 s poll is waited out.
    const done = await client.waitForExperimentCondition('seed-push', FAST);
    const trials = await client.listTrials('seed-push');
    assertSeedResult(done, trials);
    for (const t of trials) {
      assert.equal(t.observation?.metrics.find((m) => m.name === 'parsed')?.latest, '7');
      assert.equal(t.observation?.metrics.find((m) => m.name === 'cwd_is_trial')?.latest, '1');
    }

    const optimal = await client.getOptimalHyperparameters('seed-push');
    assert.deepEqual(optimal, done.status?.currentOptimalTrial);
    assert.equal((await client.getTrial(optimal!.bestTrialName)).name, optimal!.bestTrialName);
    const details = await client.getSuccessTrialDetails('seed-push');
    assert.equal(details.length, 12);
    assert.deepEqual(
      details.map((d) => d.name),
      trials.map((t) => t.name),
    );
    assert.ok(details.every((d) => d.metrics.some((m) => m.name === 'result')));

    const first = trials[0]!;
    assert.deepEqual(await client.getTrial(first.name), first);
    const metrics = await client.getTrialMetrics(first.name);
    assert.deepEqual(metrics.map((m) => m.metric.name).sort(), ['cwd_is_trial', 'parsed', 'result']);
    assert.match(metrics[0]!.timeStamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const onlyResult = await client.getTrialMetrics(first.name, { metricName: 'result' });
    assert.equal(onlyResult.length, 1);
    assert.deepEqual(await client.getTrialMetrics(first.name, { endTime: '2000-01-01T00:00:00Z' }), []);
    assert.deepEqual(await client.getTrialLogs(first.name), { stdout: '', stderr: '' });

    assert.equal(await client.isExperimentCreated('seed-push'), true);
    assert.equal(await client.isExperimentSucceeded('seed-push'), true);
    assert.equal(await client.isExperimentRunning('seed-push'), false);
    assert.equal(await client.isExperimentRestarting('seed-push'), false);
    assert.equal(await client.isExperimentFailed('seed-push'), false);
    const conditions = await client.getExperimentConditions('seed-push');
    assert.ok(conditions.some((c) => c.type === 'Succeeded' && c.status === 'True'));
    assert.deepEqual(await client.getExperiment('seed-push'), done);
    assert.ok((await client.listExperiments()).some((e) => e.metadata.name === 'seed-push'));
  });

  it('runs the seed example with StdOut: what the objective returns is printed as name=value and collected', async () => {
    await client.tune({
      name: 'seed-stdout',
      parameters: SEED_PARAMETERS,
      objective: ({ a, b }) => {
        console.log(`computing with a=${a} (not a metric)`);
        return 4 * a - b ** 2;
      },
      objectiveMetricName: 'result',
      maxTrialCount: 12,
      parallelTrialCount: 4,
      metricsCollectorConfig: { kind: 'StdOut' },
    });
    const done = await client.waitForExperimentCondition('seed-stdout', FAST);
    const trials = await client.listTrials('seed-stdout');
    assertSeedResult(done, trials);
    const logs = await client.getTrialLogs(trials[0]!.name);
    assert.match(logs.stdout, /^computing with a=\d+ \(not a metric\)\nresult=[\d.e+-]+\n$/);
  });

  it('ends a trial whose objective never reports MetricsUnavailable, and one that throws or reports non-numbers Failed', async () => {
    await client.tune({
      name: 'misbehaving',
      parameters: { mode: search.categorical(['silent', 'throws', 'nan', 'text'] as const) },
      objective: ({ mode }) => {
        if (mode === 'throws') throw new Error(`boom from ${mode}`);
        if (mode === 'nan') return Number.NaN;
        if (mode === 'text') return { result: 'high' };
        return undefined;
      },
      objectiveMetricName: 'result',
      algorithmName: 'grid',
      maxTrialCount: 4,
      parallelTrialCount: 4,
      maxFailedTrialCount: 3,
      metricsCollectorConfig: { kind: 'Push' },
    });
    await assert.rejects(client.waitForExperimentCondition('misbehaving', FAST), (err: unknown) => {
      assert.ok(err instanceof ExperimentFailedError, String(err));
      assert.equal(err.code, 'failed_precondition');
      assert.equal(state(err.experiment), 'Failed');
      return true;
    });
    const byMode = new Map(
      (await client.listTrials('misbehaving')).map((t) => [t.parameterAssignments[0]!.value, t]),
    );
    const last = (mode: string) => byMode.get(mode)!.conditions.at(-1)!;
    assert.equal(last('silent').type, 'MetricsUnavailable');
    assert.equal(byMode.get('silent')!.observation?.metrics[0]?.latest, 'unavailable');
    assert.equal(last('throws').type, 'Failed');
    assert.match(last('throws').message, /the objective failed: Error: boom from throws/);
    assert.equal(last('nan').type, 'Failed');
    assert.match(last('nan').message, /metrics\.result: NaN is not a number/);
    assert.equal(last('text').type, 'Failed');
    assert.match(last('text').message, /metrics\.result: "high" is not a number/);
    const logs = await client.getTrialLogs(byMode.get('throws')!.name);
    assert.match(logs.stderr, /Error: boom from throws\n\s+at /);
  });

  it('writes what the objective returns to the metrics file with File collection, TEXT or JSON', async () => {
    for (const format of ['TEXT', 'JSON'] as const) {
      const name = `file-${format.toLowerCase()}`;
      await client.tune({
        name,
        parameters: SEED_PARAMETERS,
        objective: ({ a, b }) => ({ result: 4 * a - b ** 2, b }),
        objectiveMetricName: 'result',
        additionalMetricNames: ['b'],
        maxTrialCount: 2,
        metricsCollectorConfig: { kind: 'File', format },
      });
      const done = await client.waitForExperimentCondition(name, FAST);
      assert.equal(done.status?.trialsSucceeded, 2, name);
      for (const t of await client.listTrials(name)) {
        const b = t.parameterAssignments.find((p) => p.name === 'b')!.value;
        assert.equal(t.observation?.metrics.find((m) => m.name === 'b')?.latest, b, name);
        assert.ok(existsSync(join(tmp.dir, 'work', name, t.name, 'metrics.log')), name);
      }
    }
  });

  it('runs objectives given as {module, export} and as a command', async () => {
    const moduleFile = join(tmp.dir, 'objective.mjs');
    writeFileSync(
      moduleFile,
      'export async function train({ a, b }) { return { result: 4 * a - b ** 2 }; }\n',
    );
    await client.tune({
      name: 'module-objective',
      parameters: SEED_PARAMETERS,
      objective: { module: moduleFile, export: 'train' },
      objectiveMetricName: 'result',
      maxTrialCount: 2,
      metricsCollectorConfig: { kind: 'Push' },
    });
    await client.tune({
      name: 'command-objective',
      parameters: SEED_PARAMETERS,
      // `a` is placed explicitly; `b`, named by no word, is appended as --b=VALUE.
      objective: [
        process.execPath,
        '-e',
        'console.log(process.argv.slice(1).join(" ")); console.log("result=" + 4 * Number(process.argv[1]))',
        '${trialParameters.a}',
      ],
      objectiveMetricName: 'result',
      maxTrialCount: 2,
      envPerTrial: { SEED: 'x' },
    });
    for (const name of ['module-objective', 'command-objective']) {
      await client.waitForExperimentCondition(name, FAST);
      for (const t of await client.listTrials(name)) {
        const a = Number(t.parameterAssignments[0]!.value);
        const b = Number(t.parameterAssignments[1]!.value);
        const result = Number(t.observation?.metrics[0]?.latest);
        assert.equal(result, name === 'module-objective' ? 4 * a - b ** 2 : 4 * a, name);
      }
    }
    const trial = (await client.listTrials('command-objective'))[0]!;
    assert.match((await client.getTrialLogs(trial.name)).stdout, /^\d+ --b=0\.\d+\n/);
  });

  it('creates experiments from an object and from a file, edits budgets by Katib rules and resumes a finished LongRunning experiment', async () => {
    const experiment = commandExperiment('budget', { maxTrialCount: 2, resumePolicy: 'LongRunning' });
    await client.createExperiment(experiment);
    await client.waitForExperimentCondition('budget', FAST);
    assert.equal((await client.listTrials('budget')).length, 2);

    const edited = await client.editExperimentBudget('budget', { maxTrialCount: 4 });
    assert.equal(edited.spec.maxTrialCount, 4);
    const resumed = await client.waitForExperimentCondition('budget', FAST);
    assert.equal((await client.listTrials('budget')).length, 4);
    assert.equal(resumed.status?.trialsSucceeded, 4);

    await assertKatibError(
      client.editExperimentBudget('budget', { parallelTrialCount: 9 }),
      'invalid_argument',
      'parallelTrialCount',
    );
    await assertKatibError(
      client.editExperimentBudget('budget', { maxTrialCount: '5' as never }),
      'invalid_argument',
      'maxTrialCount',
    );
    await assertKatibError(client.editExperimentBudget('budget', {}), 'invalid_argument', 'budget');
    await assertKatibError(
      client.editExperimentBudget('budget', { maxTrials: 3 } as never),
      'invalid_argument',
      'maxTrials',
    );
    await assertKatibError(client.editExperimentBudget('nope', { maxTrialCount: 3 }), 'not_found');
    // resumePolicy Never (the default): a finished experiment stays finished.
    await client.createExperiment(commandExperiment('budget-never', { maxTrialCount: 1 }));
    await client.waitForExperimentCondition('budget-never', FAST);
    await assertKatibError(
      client.editExperimentBudget('budget-never', { maxTrialCount: 3 }),
      'failed_precondition',
    );

    // A file whose command names a script next to it: the trial finds it from its own folder.
    const fileDir = tempDir('katib-sdk-file-');
    try {
      writeFileSync(join(fileDir.dir, 'train.mjs'), 'console.log(`loss=${Number(process.argv[2]) / 10}`);\n');
      const fromFile = commandExperiment('from-file', { maxTrialCount: 1 });
      const container = (
        fromFile.spec as {
          trialTemplate: {
            trialSpec: { spec: { template: { spec: { containers: { command: string[] }[] } } } };
          };
        }
      ).trialTemplate.trialSpec.spec.template.spec.containers[0]!;
      container.command = [process.execPath, 'train.mjs', '${trialParameters.x}'];
      const file = join(fileDir.dir, 'experiment.json');
      writeFileSync(file, JSON.stringify(fromFile));
      const stored = await client.createExperiment(file);
      assert.equal(JSON.stringify(stored).includes(join(fileDir.dir, 'train.mjs')), true);
      const done = await client.waitForExperimentCondition('from-file', FAST);
      assert.equal(done.status?.trialsSucceeded, 1);
    } finally {
      fileDir.remove();
    }
    await assertKatibError(client.createExperiment(join(tmp.dir, 'missing.yaml')), 'not_found');
    await assertKatibError(client.createExperiment(experiment), 'already_exists');
    await assertKatibError(
      client.createExperiment({ ...experiment, spec: { ...experiment.spec, maxTrialCount: -1 } }),
      'invalid_argument',
      'spec.maxTrialCount',
    );
  });

  it('applies a new budget to a running experiment, and times out waiting with deadline_exceeded', async () => {
    await client.createExperiment(
      commandExperiment('running-budget', { maxTrialCount: 2, parallelTrialCount: 1, sleep: 0.4 }),
    );
    await assertKatibError(
      client.waitForExperimentCondition('running-budget', { timeout: 0.1, pollingInterval: 0.05 }),
      'deadline_exceeded',
    );
    await client.editExperimentBudget('running-budget', { maxTrialCount: 3 });
    const done = await client.waitForExperimentCondition('running-budget', FAST);
    assert.equal(done.status?.trialsSucceeded, 3);
    // The edit reached the running controller: no trial was stopped and run again.
    const trials = await client.listTrials('running-budget');
    assert.deepEqual(
      trials.map((t) => t.runtime?.attempt ?? 1),
      [1, 1, 1],
    );
  });

  it('stops running experiments at close, and a client opened with resume: true carries them on', async () => {
    const dir = tempDir('katib-sdk-resume-');
    try {
      const first = embeddedClient(dir.dir);
      await first.createExperiment(
        commandExperiment('carried-on', { maxTrialCount: 2, parallelTrialCount: 2, sleep: 1 }),
      );
      await first.waitForExperimentCondition('carried-on', { expectedCondition: 'Running', ...FAST });
      await first.close();
      await assertKatibError(first.listExperiments(), 'failed_precondition');
      const second = new KatibClient({
        db: `sqlite:${join(dir.dir, 'katib.db')}`,
        workDir: join(dir.dir, 'work'),
        resume: true,
      });
      try {
        const done = await second.waitForExperimentCondition('carried-on', FAST);
        assert.equal(done.status?.trialsSucceeded, 2);
      } finally {
        await second.close();
      }
    } finally {
      dir.remove();
    }
  });

  it('deletes an experiment with its trials, their observation logs and folders', async () => {
    const trials = await client.listTrials('seed-stdout');
    await client.deleteExperiment('seed-stdout');
    await assertKatibError(client.getExperiment('seed-stdout'), 'not_found');
    await assertKatibError(client.listTrials('seed-stdout'), 'not_found');
    await assertKatibError(client.getTrial(trials[0]!.name), 'not_found');
    assert.deepEqual(await client.getTrialMetrics(trials[0]!.name), []);
    assert.equal(existsSync(join(tmp.dir, 'work', 'seed-stdout', trials[0]!.name)), false);
    assert.equal(
      existsSync(join(tmp.dir, 'work', 'seed-stdout')),
      false,
      'the emptied experiment folder goes too',
    );
    assert.ok(!(await client.listExperiments()).some((e) => e.metadata.name === 'seed-stdout'));
    await assertKatibError(client.deleteExperiment('seed-stdout'), 'not_found');
  });
});
