/**
 * The Custom collector run locally, on every database: the customCollector container's command
 * runs beside the trial with Katib's and katib-ts's variables; what it pushes is the trial's
 * observation; it is stopped after a grace period when the trial ends; its failure fails the trial.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type LocalKatib, startLocalKatib } from '../../src/manager/index.js';
import { testDatabases } from '../support/databases.js';
import { conditionOf, experiment, metric, P, runToEnd, sh } from './harness.js';

const COLLECTOR = join(import.meta.dirname, '..', 'fixtures', 'trials', 'custom-collector.mjs');
const ONE = [{ name: 'x', parameterType: 'discrete', feasibleSpace: { list: ['0.5'] } }];
const databases = await testDatabases();

/** A Custom collector spec: node COLLECTOR ...args, following metrics.log in the trial's folder. */
function custom(args: string[] = [], env: Record<string, unknown>[] = []): Record<string, unknown> {
  return {
    source: { fileSystemPath: { path: 'metrics.log', kind: 'File' } },
    collector: {
      kind: 'Custom',
      customCollector: {
        name: 'my-collector',
        image: 'busybox',
        command: [process.execPath, COLLECTOR, ...args],
        env,
      },
    },
  };
}

for (const database of databases) {
  describe(`Custom collector on ${database.label}`, { skip: database.skipReason }, () => {
    if (database.skipReason !== undefined) return;
    let katib: LocalKatib;
    let work: string;
    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'katib-custom-'));
      katib = await startLocalKatib({ db: database.url, workRoot: work });
    });
    after(async () => {
      await katib?.close();
      rmSync(work, { recursive: true, force: true });
    });

    it("pushes what the trial writes: the trial's observation; the collector gets the trial's variables", async () => {
      const f = await runToEnd(
        katib,
        experiment('custom-ok', {
          parameters: ONE,
          objective: { type: 'minimize', objectiveMetricName: 'loss', additionalMetricNames: ['acc'] },
          command: sh(
            `echo loss=0.9 >> metrics.log; sleep 0.2; echo acc=0.7 >> metrics.log; echo loss=${P('x')} >> metrics.log; echo done >> metrics.log`,
          ),
          metricsCollectorSpec: custom(
            ['--trial', '$(TRIAL)'],
            [{ name: 'TRIAL', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          ),
          maxTrialCount: 1,
        }),
      );
      const t = f.trials[0]!;
      assert.equal(conditionOf(t).type, 'Succeeded', conditionOf(t).message);
      assert.deepEqual(metric(t, 'loss'), { min: '0.5', max: '0.9', latest: '0.5' });
      assert.deepEqual(metric(t, 'acc'), { min: '0.7', max: '0.7', latest: '0.7' });
      const seen = JSON.parse(
        readFileSync(join(work, t.experimentName, t.name, 'collector-env.json'), 'utf8'),
      );
      assert.deepEqual(seen.argv, ['--trial', t.name]);
      assert.equal(seen.env.TRIAL, t.name);
      assert.equal(seen.env.KATIB_TRIAL_NAME, t.name);
      assert.equal(seen.env.KATIB_EXPERIMENT_NAME, 'custom-ok');
      assert.equal(seen.env.KATIB_METRIC_NAMES, 'loss;acc');
      assert.equal(seen.env.KATIB_METRICS_FILE_PATH, join(work, t.experimentName, t.name, 'metrics.log'));
      assert.equal(seen.env.KATIB_DB_MANAGER_ADDRESS, katib.dbManager.grpcAddress);
      assert.equal(seen.env.KATIB_DB_MANAGER_HTTP_ADDRESS, katib.dbManager.httpAddress);
    });

    it('a collector still running when the trial ends gets SIGTERM after the grace period, and flushes', async () => {
      // No `done` line: the collector would run forever; what it reads on SIGTERM still counts.
      const f = await runToEnd(
        katib,
        experiment('custom-term', {
          parameters: ONE,
          command: sh(`echo loss=${P('x')} >> metrics.log`),
          metricsCollectorSpec: custom(),
          maxTrialCount: 1,
        }),
      );
      const t = f.trials[0]!;
      assert.equal(conditionOf(t).type, 'Succeeded', conditionOf(t).message);
      assert.deepEqual(metric(t, 'loss'), { min: '0.5', max: '0.5', latest: '0.5' });
    });

    it('a collector that fails fails the trial, naming it and its log', async () => {
      const f = await runToEnd(
        katib,
        experiment('custom-fail', {
          parameters: ONE,
          command: sh(`echo loss=${P('x')} >> metrics.log`),
          metricsCollectorSpec: custom(['fail']),
          maxTrialCount: 1,
          maxFailedTrialCount: 1,
        }),
      );
      const c = conditionOf(f.trials[0]!);
      assert.equal(c.type, 'Failed');
      assert.equal(c.reason, 'MetricsCollectionFailed');
      assert.match(
        c.message,
        /custom collector ".*custom-collector.mjs fail" exited with code 3 \(its output: .*collector.log\)/,
      );
      assert.match(
        readFileSync(join(work, f.trials[0]!.experimentName, f.trials[0]!.name, 'collector.log'), 'utf8'),
        /told to fail/,
      );
    });
  });
}
