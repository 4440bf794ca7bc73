/**
 * Interrupting a controller (its abort signal, as Ctrl-C does in `katib run`) on every database:
 * trials stay Running in the store with their partial logs, their processes end, and a new
 * controller on the same database resumes them by the resume rule (attempt 2, partial logs
 * deleted) to exact final counts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import { trialState } from '../../src/controller/index.js';
import { startLocalKatib } from '../../src/manager/index.js';
import { testDatabases } from '../support/databases.js';
import { waitFor } from '../support/fixtures.js';
import {
  assertConsistent,
  assignment,
  conditionOf,
  endOf,
  experiment,
  P,
  sh,
  trialProcesses,
} from './harness.js';

const databases = await testDatabases();

for (const database of databases) {
  describe(`interrupt and resume on ${database.label}`, { skip: database.skipReason }, () => {
    if (database.skipReason !== undefined) return;
    const work = mkdtempSync(join(tmpdir(), 'katib-ctl-'));
    after(() => rmSync(work, { recursive: true, force: true }));

    it('an aborted run leaves trials Running; the next run restarts them as attempt 2 without their partial logs', async () => {
      const e = experiment('resume', {
        parameters: [
          { name: 'x', parameterType: 'discrete', feasibleSpace: { list: ['0.1', '0.2', '0.3', '0.4'] } },
        ],
        command: sh(`echo loss=0.9; sleep 0.6; echo loss=${P('x')}`),
        parallelTrialCount: 2,
        maxTrialCount: 4,
      });
      const first = await startLocalKatib({ db: database.url, workRoot: work });
      let interrupted: string[];
      try {
        await first.experiments.createExperiment(e);
        const abort = new AbortController();
        const run = first.controller().run('resume', abort.signal);
        // Abort once two trials run and each has stored its first point.
        interrupted = await waitFor(
          'two running trials with a stored point',
          async () => {
            const running = (await first.experiments.listTrials('resume')).filter(
              (t) => trialState(t) === 'Running',
            );
            if (running.length < 2) return undefined;
            for (const t of running)
              if ((await first.db.observations.get(t.name)).length === 0) return undefined;
            return running.map((t) => t.name);
          },
          10_000,
        );
        abort.abort();
        await assert.rejects(run, (err: unknown) => err instanceof KatibError && err.code === 'cancelled');
        const stored = await first.experiments.listTrials('resume');
        assert.deepEqual(
          stored
            .filter((t) => trialState(t) === 'Running')
            .map((t) => t.name)
            .sort(),
          [...interrupted].sort(),
        );
        for (const name of interrupted) {
          assert.deepEqual(trialProcesses(name), [], `${name}'s processes ended with the run`);
          assert.deepEqual(
            (await first.db.observations.get(name)).map((l) => l.value),
            ['0.9'],
          );
        }
        assert.equal(endOf((await first.experiments.getExperiment('resume'))!).type, 'Running');
      } finally {
        await first.close();
      }

      // A new process's worth of parts on the same database: the restarted controller.
      const second = await startLocalKatib({ db: database.url, workRoot: work });
      try {
        const final = await second.controller().run('resume');
        const trials = await second.experiments.listTrials('resume');
        assert.deepEqual(endOf(final), { type: 'Succeeded', reason: 'ExperimentMaxTrialsReached' });
        await assertConsistent(second, { final, trials });
        assert.deepEqual([final.status!.trials, final.status!.trialsSucceeded], [4, 4]);
        assert.match(
          final.status!.conditions.find((c) => c.type === 'Running')!.message,
          /resumed; 2 interrupted trial\(s\) restarted/,
        );
        assert.deepEqual(trials.map((t) => assignment(t, 'x')).sort(), ['0.1', '0.2', '0.3', '0.4']);
        for (const t of trials) {
          const wasInterrupted = interrupted.includes(t.name);
          assert.equal(t.runtime?.attempt, wasInterrupted ? 2 : 1, t.name);
          assert.equal(conditionOf(t).type, 'Succeeded');
          // Exactly the points of one complete run: attempt 1's partial log was deleted.
          assert.deepEqual(
            (await second.db.observations.get(t.name)).map((l) => l.value),
            ['0.9', assignment(t, 'x')],
            t.name,
          );
        }
      } finally {
        await second.close();
      }
    });
  });
}
