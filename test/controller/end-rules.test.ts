/**
 * The controller on every database, with real trial processes: observations and the optimal
 * trial, and each of Katib's end rules (goal, maxFailedTrialCount, maxTrialCount, algorithm
 * exhausted), with exact counts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import { type LocalKatib, startLocalKatib } from '../../src/manager/index.js';
import { testDatabases } from '../support/databases.js';
import {
  assertConsistent,
  assignment,
  conditionOf,
  endOf,
  experiment,
  isAlive,
  metric,
  P,
  runToEnd,
  sh,
} from './harness.js';

const databases = await testDatabases();

for (const database of databases) {
  describe(`controller end rules on ${database.label}`, { skip: database.skipReason }, () => {
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

    it('runs every trial to Succeeded with min/max/latest observations, metricStrategies and the optimal trial', async () => {
      // loss: x/10 first, 0.9, then 1-x last. With strategy `latest` the best trial is x=0.3
      // (latest 0.7); with the default `min` it would be x=0.1 (min 0.01).
      const e = experiment('observations', {
        command: sh(
          `awk -v x=${P('x')} 'BEGIN { printf "loss=%s acc=0.1\\nloss=0.9 acc=%s\\nloss=%s acc=0.2\\n", x/10, x, 1-x }'`,
        ),
        objective: {
          type: 'minimize',
          objectiveMetricName: 'loss',
          additionalMetricNames: ['acc'],
          metricStrategies: [{ name: 'loss', value: 'latest' }],
        },
        parallelTrialCount: 3,
        maxTrialCount: 3,
      });
      const f = await runToEnd(katib, e);
      assert.deepEqual(endOf(f.final), { type: 'Succeeded', reason: 'ExperimentMaxTrialsReached' });
      await assertConsistent(katib, f);
      assert.equal(f.final.status!.trialsSucceeded, 3);
      const byX = new Map(f.trials.map((t) => [assignment(t, 'x'), t]));
      const expected: Record<string, { loss: string[]; acc: string[] }> = {
        '0.1': { loss: ['0.01', '0.9', '0.9'], acc: ['0.1', '0.2', '0.2'] },
        '0.2': { loss: ['0.02', '0.9', '0.8'], acc: ['0.1', '0.2', '0.2'] },
        '0.3': { loss: ['0.03', '0.9', '0.7'], acc: ['0.1', '0.3', '0.2'] },
      };
      for (const [x, want] of Object.entries(expected)) {
        const t = byX.get(x)!;
        assert.equal(conditionOf(t).type, 'Succeeded', `x=${x}`);
        const [min, max, latest] = want.loss;
        assert.deepEqual(metric(t, 'loss'), { min, max, latest }, `loss of x=${x}`);
        const [amin, amax, alatest] = want.acc;
        assert.deepEqual(metric(t, 'acc'), { min: amin, max: amax, latest: alatest }, `acc of x=${x}`);
        // The stored log holds every printed point, in order.
        const logs = await katib.db.observations.get(t.name, { metricName: 'loss' });
        assert.deepEqual(
          logs.map((l) => l.value),
          [min, '0.9', latest],
        );
      }
      const best = byX.get('0.3')!;
      assert.deepEqual(f.final.status!.currentOptimalTrial, {
        bestTrialName: best.name,
        parameterAssignments: [{ name: 'x', value: '0.3' }],
        observation: best.observation,
      });
    });

    it('a finished trial cannot be updated: the store rejects failed_precondition and keeps it', async () => {
      const [trial] = await katib.experiments.listTrials('observations');
      assert.ok(trial);
      const changed = {
        ...trial,
        conditions: trial.conditions.map((c) =>
          c.type === 'Succeeded' ? { ...c, type: 'Failed' as const } : c,
        ),
      };
      await assert.rejects(katib.experiments.updateTrial(changed), (err: unknown) => {
        assert.ok(err instanceof KatibError);
        assert.equal(err.code, 'failed_precondition');
        return true;
      });
      assert.deepEqual(await katib.experiments.getTrial(trial.name), trial);
    });

    it('ends at the goal (ExperimentGoalReached) and kills the trial still running', async () => {
      const started = Date.now();
      const e = experiment('goal', {
        parameters: [
          { name: 'mode', parameterType: 'categorical', feasibleSpace: { list: ['fast', 'slow'] } },
        ],
        command: sh(
          `if [ "${P('mode')}" = slow ]; then sleep 30; echo loss=0.9; else sleep 0.2; echo loss=0.1; fi`,
        ),
        objective: { type: 'minimize', goal: 0.2, objectiveMetricName: 'loss' },
        parallelTrialCount: 2,
      });
      const f = await runToEnd(katib, e);
      assert.deepEqual(endOf(f.final), { type: 'Succeeded', reason: 'ExperimentGoalReached' });
      assert.ok(Date.now() - started < 15_000, 'the slow trial was not waited for');
      await assertConsistent(katib, f);
      const s = f.final.status!;
      assert.deepEqual([s.trials, s.trialsSucceeded, s.trialsKilled], [2, 1, 1]);
      const slow = f.trials.find((t) => assignment(t, 'mode') === 'slow')!;
      assert.equal(conditionOf(slow).type, 'Killed');
      assert.ok(slow.runtime?.pid, 'the killed trial recorded its pid');
      assert.equal(isAlive(slow.runtime.pid), false, 'the killed trial process is gone');
      const fast = f.trials.find((t) => assignment(t, 'mode') === 'fast')!;
      assert.equal(s.currentOptimalTrial?.bestTrialName, fast.name);
    });

    it('fails once failed trials exceed maxFailedTrialCount (strictly more: 2 failures with max 1)', async () => {
      const e = experiment('too-many-failures', {
        parameters: [
          { name: 'x', parameterType: 'discrete', feasibleSpace: { list: ['1', '2', '3', '4', '5'] } },
        ],
        command: sh(`echo loss=${P('x')}; echo "bad luck" >&2; exit 1`),
        parallelTrialCount: 1,
        maxTrialCount: 5,
        maxFailedTrialCount: 1,
      });
      const f = await runToEnd(katib, e);
      assert.deepEqual(endOf(f.final), { type: 'Failed', reason: 'ExperimentFailed' });
      await assertConsistent(katib, f);
      const s = f.final.status!;
      assert.deepEqual([s.trials, s.trialsFailed, s.trialsSucceeded], [2, 2, 0]);
      for (const t of f.trials) {
        const c = conditionOf(t);
        assert.equal(c.type, 'Failed');
        assert.equal(c.reason, 'TrialFailed');
        assert.match(c.message, /exited with code 1.*bad luck/);
      }
    });

    it('ends at maxTrialCount (ExperimentMaxTrialsReached) with exact counts', async () => {
      const e = experiment('max-trials', {
        parameters: [{ name: 'x', parameterType: 'double', feasibleSpace: { min: '0', max: '1' } }],
        command: sh(`echo loss=${P('x')}`),
        algorithm: 'random',
        algorithmSettings: [{ name: 'random_state', value: '3' }],
        parallelTrialCount: 2,
        maxTrialCount: 5,
      });
      const f = await runToEnd(katib, e);
      assert.deepEqual(endOf(f.final), { type: 'Succeeded', reason: 'ExperimentMaxTrialsReached' });
      await assertConsistent(katib, f);
      const s = f.final.status!;
      assert.deepEqual([s.trials, s.trialsSucceeded], [5, 5]);
      const xs = f.trials.map((t) => Number(assignment(t, 'x')));
      const best = f.trials[xs.indexOf(Math.min(...xs))]!;
      assert.equal(s.currentOptimalTrial?.bestTrialName, best.name);
    });

    it('ends when the grid is exhausted (ExperimentSuggestionEndReached)', async () => {
      const e = experiment('grid-end', {
        command: sh(`echo loss=${P('x')}`),
        parallelTrialCount: 2,
      });
      const f = await runToEnd(katib, e);
      assert.deepEqual(endOf(f.final), { type: 'Succeeded', reason: 'ExperimentSuggestionEndReached' });
      await assertConsistent(katib, f);
      assert.deepEqual(f.trials.map((t) => assignment(t, 'x')).sort(), ['0.1', '0.2', '0.3']);
      assert.equal(f.final.status!.trialsSucceeded, 3);
    });

    it('an experiment that already ended is returned unchanged by another run', async () => {
      const before = await katib.experiments.getExperiment('grid-end');
      const again = await katib.controller().run('grid-end');
      assert.deepEqual(again, before);
      assert.equal((await katib.experiments.listTrials('grid-end')).length, 3);
    });
  });
}
