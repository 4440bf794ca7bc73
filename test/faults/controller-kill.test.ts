/**
 * kill -9 of `katib run` (controller and DB manager in one process) while Push trials push, then
 * the same command again (SQLite file). test/controller/kill-resume.test.ts covers the resume
 * rule with StdOut trials; this is its Push counterpart, checked against what every trial run was
 * told: each trial appends to acked-<pid> the step of every push that resolved.
 *
 * After the kill the orphaned trials' pushes find no DB manager and retry; the second controller
 * kills them and runs those trials again as attempt 2 (their partial logs deleted). In the end:
 * exactly maxTrialCount trials, no parameter assignment run twice as two trials, and every trial's
 * stored steps are exactly what its completed run was acknowledged: nothing acknowledged is
 * missing, nothing stored twice.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { trialState } from '../../src/controller/index.js';
import { conditionOf, endOf, isAlive, trialProcesses } from '../controller/harness.js';
import { KatibProcess, readStore } from '../e2e/cli.js';
import { discrete, trialParameter, waitFor, writeExperiment } from '../support/fixtures.js';
import { FIXTURES } from './measured-run.js';

const NAME = 'push-kill';
const XS = ['0.1', '0.2', '0.3', '0.4', '0.5', '0.6'];
const STEPS = 10;

function experimentFile(dir: string): string {
  return writeExperiment(dir, {
    name: NAME,
    algorithm: 'grid',
    parallelTrialCount: 2,
    maxTrialCount: XS.length,
    collector: 'Push',
    parameters: [discrete('x', XS)],
    command: ['node', join(FIXTURES, 'push-steps.mjs'), trialParameter('x'), String(STEPS)],
  });
}

/** Each run of a trial (by pid): the steps it was acknowledged, whether it completed, when it last wrote. */
function runsOf(trialDir: string): { pid: number; acked: number[]; finished: boolean; at: number }[] {
  let names: string[];
  try {
    names = readdirSync(trialDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith('acked-'))
    .map((n) => {
      const pid = Number(n.slice('acked-'.length));
      const acked = readFileSync(join(trialDir, n), 'utf8').split('\n').filter(Boolean).map(Number);
      const finished = names.includes(`finished-${pid}`);
      return { pid, acked, finished, at: statSync(join(trialDir, finished ? `finished-${pid}` : n)).mtimeMs };
    });
}

describe('katib run with Push trials killed with SIGKILL, then run again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'katib-push-kill-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('no trial duplicated, every acknowledged push of the completed runs stored exactly once', async () => {
    const dbFile = join(dir, 'katib.db');
    const work = join(dir, 'work');
    const args = ['run', experimentFile(dir), '--db', `sqlite:${dbFile}`, '--work-dir', work];
    const first = new KatibProcess(args, { cwd: dir });
    // Kill once two trials are done and two run, each having been acknowledged a push or more.
    await waitFor(
      'two finished trials and two pushing',
      async () => {
        const { trials } = readStore(dbFile, NAME);
        const running = trials.filter((t) => trialState(t) === 'Running');
        const done = trials.filter((t) => trialState(t) === 'Succeeded');
        const pushing = running.every(
          (t) =>
            trialProcesses(t.name).length > 0 &&
            runsOf(join(work, NAME, t.name)).some((r) => r.acked.length > 0),
        );
        return done.length >= 2 && running.length === 2 && pushing ? true : undefined;
      },
      25_000,
    );
    first.child.kill('SIGKILL');
    assert.equal((await first.ended).signal, 'SIGKILL');
    const cutOff = readStore(dbFile, NAME).trials.filter((t) => trialState(t) === 'Running');
    assert.ok(cutOff.length > 0, 'trials were running at the kill');
    const orphans = cutOff.flatMap((t) => trialProcesses(t.name));

    const second = await new KatibProcess(args, { cwd: dir }).ended;
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`experiment ${NAME}: resuming`));
    for (const pid of orphans) assert.equal(isAlive(pid), false, `orphan ${pid} is gone`);

    const end = readStore(dbFile, NAME);
    assert.deepEqual(endOf(end.experiment!), { type: 'Succeeded', reason: 'ExperimentMaxTrialsReached' });
    assert.equal(end.trials.length, XS.length, 'exactly maxTrialCount trials');
    assert.equal(new Set(end.trials.map((t) => t.name)).size, XS.length, 'no trial name twice');
    const xs = end.trials.map((t) => t.parameterAssignments[0]!.value).sort();
    assert.deepEqual(xs, XS, 'each assignment run as one trial');
    const cutNames = new Set(cutOff.map((t) => t.name));

    const db = new Sqlite(dbFile, { readonly: true });
    try {
      const stepsOf = db.prepare(
        "SELECT CAST(value AS INTEGER) AS n FROM observation_logs WHERE trial_name = ? AND metric_name = 'step' ORDER BY id",
      );
      for (const t of end.trials) {
        assert.equal(conditionOf(t).type, 'Succeeded', t.name);
        assert.equal(t.runtime?.attempt, cutNames.has(t.name) ? 2 : 1, t.name);
        const runs = runsOf(join(work, NAME, t.name));
        const completed = runs
          .filter((r) => r.finished)
          .sort((a, b) => a.at - b.at)
          .at(-1);
        assert.ok(completed, `${t.name} has a completed run`);
        assert.deepEqual(completed.acked, [...Array(STEPS).keys()], `${t.name}: every push acknowledged`);
        const stored = (stepsOf.all(t.name) as { n: number }[]).map((r) => r.n);
        // Exactly the completed run's acknowledged steps: none missing, none twice, none from the killed run.
        assert.deepEqual(stored, completed.acked, `${t.name}: stored steps`);
      }
    } finally {
      db.close();
    }
  });
});
