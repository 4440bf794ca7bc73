/**
 * Where and how trials run, on every database: the env and folder each trial gets, command words
 * resolved against the experiment's folder, File TEXT (custom metricsFormat), File JSON,
 * TensorFlowEvent and Push collection, and parallelTrialCount never exceeded.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type LocalKatib, startLocalKatib } from '../../src/manager/index.js';
import { testDatabases } from '../support/databases.js';
import {
  assertConsistent,
  assignment,
  conditionOf,
  endOf,
  experiment,
  metric,
  P,
  runToEnd,
  sh,
} from './harness.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'experiments-e2e');
const TRIALS = join(import.meta.dirname, '..', 'fixtures', 'trials');
const PYTHON_HELPER = join(import.meta.dirname, '..', '..', 'python');
const ONE = [{ name: 'x', parameterType: 'discrete', feasibleSpace: { list: ['0.5'] } }];
const databases = await testDatabases();

for (const database of databases) {
  describe(`trial environment and collection on ${database.label}`, { skip: database.skipReason }, () => {
    if (database.skipReason !== undefined) return;
    let katib: LocalKatib;
    let work: string;
    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'katib-ctl-'));
      katib = await startLocalKatib({ db: database.url, workRoot: work });
    });
    after(async () => {
      await katib?.close();
      rmSync(work, { recursive: true, force: true });
    });

    it('gives each trial its folder and env, resolving command words against the source folder', async () => {
      const f = await runToEnd(
        katib,
        experiment('trial-env', {
          parameters: ONE,
          command: ['./show-env.sh', P('x'), 'data.txt', '--data=data.txt', 'no-such-file'],
          env: [{ name: 'TRIAL_X', value: `x is ${P('x')}` }],
          maxTrialCount: 1,
        }),
        { sourceDir: FIXTURES },
      );
      const t = f.trials[0]!;
      assert.equal(conditionOf(t).type, 'Succeeded', conditionOf(t).message);
      const trialDir = join(work, t.experimentName, t.name);
      const seen = readFileSync(join(trialDir, 'seen.txt'), 'utf8').trim().split('\n');
      const http = katib.dbManager.httpAddress;
      assert.ok(http);
      assert.deepEqual(seen, [
        `cwd=${trialDir}`,
        'arg=0.5',
        `arg=${join(FIXTURES, 'data.txt')}`,
        'arg=--data=data.txt',
        'arg=no-such-file',
        `KATIB_DB_MANAGER_ADDRESS=${katib.dbManager.grpcAddress}`,
        `KATIB_DB_MANAGER_HTTP_ADDRESS=${http}`,
        'KATIB_EXPERIMENT_NAME=trial-env',
        `KATIB_SOURCE_DIR=${FIXTURES}`,
        `KATIB_TRIAL_DIR=${trialDir}`,
        `KATIB_TRIAL_NAME=${t.name}`,
        `PYTHONPATH=${PYTHON_HELPER}`,
        'TRIAL_X=x is 0.5',
      ]);
      // The runner keeps the trial's output beside it.
      assert.equal(readFileSync(join(trialDir, 'stdout.log'), 'utf8'), 'loss=0.5\n');
    });

    it('File collector, TEXT with a custom metricsFormat: only the custom form counts', async () => {
      const f = await runToEnd(
        katib,
        experiment('file-text', {
          parameters: ONE,
          command: [join(FIXTURES, 'custom-format-file.sh'), P('x')],
          objective: { type: 'minimize', objectiveMetricName: 'loss', additionalMetricNames: ['accuracy'] },
          metricsCollectorSpec: {
            collector: { kind: 'File' },
            source: {
              fileSystemPath: { path: 'metrics.log', kind: 'File', format: 'TEXT' },
              filter: { metricsFormat: ['{metricName: ([\\w|-]+), metricValue: ((-|\\+)?\\d+(\\.\\d+)?)}'] },
            },
          },
          maxTrialCount: 1,
        }),
      );
      const t = f.trials[0]!;
      assert.equal(conditionOf(t).type, 'Succeeded', conditionOf(t).message);
      assert.deepEqual(
        (await katib.db.observations.get(t.name)).map((l) => `${l.name}=${l.value}`),
        ['loss=0.5', 'accuracy=0.91', 'loss=0.25'],
      );
      assert.deepEqual(metric(t, 'loss'), { min: '0.25', max: '0.5', latest: '0.25' });
      assert.deepEqual(metric(t, 'accuracy'), { min: '0.91', max: '0.91', latest: '0.91' });
    });

    it('TensorFlowEvent collector: event files under a directory, names with their folder', async () => {
      const f = await runToEnd(
        katib,
        experiment('tfevent', {
          parameters: ONE,
          command: ['node', join(FIXTURES, 'tfevent-trial.mjs'), P('x')],
          objective: {
            type: 'minimize',
            objectiveMetricName: 'train/loss',
            additionalMetricNames: ['test/accuracy'],
          },
          metricsCollectorSpec: {
            collector: { kind: 'TensorFlowEvent' },
            source: { fileSystemPath: { path: 'logs', kind: 'Directory' } },
          },
          maxTrialCount: 1,
        }),
      );
      const t = f.trials[0]!;
      assert.equal(conditionOf(t).type, 'Succeeded', conditionOf(t).message);
      const logs = (await katib.db.observations.get(t.name)).map((l) => `${l.name}=${l.value}`);
      assert.deepEqual(
        logs.filter((l) => l.startsWith('train/')),
        ['train/loss=0.5', 'train/loss=0.25', 'train/loss=0.16666667'],
      );
      assert.deepEqual(
        logs.filter((l) => l.startsWith('test/')),
        ['test/accuracy=0.25', 'test/accuracy=0.5', 'test/accuracy=0.75'],
      );
      assert.deepEqual(metric(t, 'train/loss'), { min: '0.16666667', max: '0.5', latest: '0.16666667' });
    });

    it('File collector, JSON: one object per line, its timestamp key orders `latest`', async () => {
      const f = await runToEnd(
        katib,
        experiment('file-json', {
          parameters: ONE,
          command: [
            process.execPath,
            join(TRIALS, 'write-metrics-file.mjs'),
            'metrics.json',
            'JSON',
            '3',
            P('x'),
          ],
          objective: { type: 'minimize', objectiveMetricName: 'loss', additionalMetricNames: ['accuracy'] },
          metricsCollectorSpec: {
            collector: { kind: 'File' },
            source: { fileSystemPath: { path: 'metrics.json', kind: 'File', format: 'JSON' } },
          },
          maxTrialCount: 1,
        }),
      );
      const t = f.trials[0]!;
      assert.equal(conditionOf(t).type, 'Succeeded', conditionOf(t).message);
      const logs = await katib.db.observations.get(t.name, { metricName: 'loss' });
      assert.deepEqual(
        logs.map((l) => [l.time, l.value]),
        [
          [1700000001_000000, '1.0000'],
          [1700000002_000000, '0.5000'],
          [1700000003_000000, '0.3333'],
        ],
      );
      assert.deepEqual(metric(t, 'loss'), { min: '0.3333', max: '1.0000', latest: '0.3333' });
      assert.deepEqual(metric(t, 'accuracy'), { min: '0.01', max: '0.03', latest: '0.03' });
    });

    it('Push collector: the trial posts to KATIB_DB_MANAGER_HTTP_ADDRESS, its output is ignored', async () => {
      const f = await runToEnd(
        katib,
        experiment('push-http', {
          command: [process.execPath, join(FIXTURES, 'push-http.mjs'), P('x')],
          metricsCollectorSpec: { collector: { kind: 'Push' } },
          parallelTrialCount: 3,
        }),
      );
      assert.deepEqual(endOf(f.final), { type: 'Succeeded', reason: 'ExperimentSuggestionEndReached' });
      await assertConsistent(katib, f);
      for (const t of f.trials) {
        const x = assignment(t, 'x')!;
        assert.deepEqual(metric(t, 'loss'), { min: x, max: x, latest: x });
      }
      assert.equal(
        assignment(f.trials.find((t) => t.name === f.final.status!.currentOptimalTrial?.bestTrialName)!, 'x'),
        '0.1',
      );
    });

    it('never runs more than parallelTrialCount trials at once, and does use every slot', async () => {
      const f = await runToEnd(
        katib,
        experiment('parallel', {
          parameters: [{ name: 'x', parameterType: 'double', feasibleSpace: { min: '0', max: '1' } }],
          command: sh(`sleep 0.25; echo loss=${P('x')}`),
          algorithm: 'random',
          parallelTrialCount: 3,
          maxTrialCount: 8,
        }),
      );
      await assertConsistent(katib, f);
      assert.equal(f.final.status!.trialsSucceeded, 8);
      // The controller's [startTime, completionTime] of each trial holds its process's lifetime;
      // at equal times an end comes before a start.
      const events = f.trials.flatMap((t) => [
        { at: Date.parse(t.startTime!), d: 1 },
        { at: Date.parse(t.completionTime!), d: -1 },
      ]);
      events.sort((a, b) => a.at - b.at || a.d - b.d);
      let now = 0;
      let peak = 0;
      for (const e of events) {
        now += e.d;
        peak = Math.max(peak, now);
      }
      assert.equal(peak, 3);
    });
  });
}
