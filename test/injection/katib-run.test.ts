/**
 * Unmodified scripts that only print their metrics, run by the built CLI (`katib run`, so
 * `npm run build` first) with `collector.kind: Push`: their metrics reach the DB manager as
 * pushes while they run (seen in the database before the trial ends, time stamps spread over the
 * run), and what they print besides stays in their logs. Also `katib inject` itself.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { CliProcess } from '../cli/spawn-cli.js';
import { KatibProcess } from '../e2e/cli.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/injection/', import.meta.url));

interface Point {
  trial: string;
  /** Epoch microseconds (SQLite keeps an integer). */
  time: number;
  name: string;
  value: string;
}

function points(dbFile: string): Point[] {
  try {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      return db
        .prepare(
          'SELECT trial_name AS trial, time, metric_name AS name, value FROM observation_logs ORDER BY id',
        )
        .all() as Point[];
    } finally {
      db.close();
    }
  } catch {
    return []; // not created yet, or the tables are being made
  }
}

describe('katib run: unmodified trials in Push mode', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const [language, fixture] of [
    ['Python', 'python-print'],
    ['Node', 'node-print'],
  ] as const) {
    it(`a ${language} script that prints metrics: pushed while it runs`, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'katib-inject-run-'));
      dirs.push(dir);
      const dbFile = path.join(dir, 'katib.db');
      const katib = new KatibProcess([
        'run',
        path.join(FIXTURES, fixture, 'experiment.yaml'),
        '--db',
        `sqlite:${dbFile}`,
        '--work-dir',
        path.join(dir, 'work'),
      ]);
      // Watch the database while the experiment runs: points must arrive before the trials end.
      let partial = false;
      let running = true;
      void katib.ended.then(() => {
        running = false;
      });
      while (running) {
        const seen = points(dbFile).filter((p) => p.name === 'loss');
        const perTrial = new Map<string, number>();
        for (const p of seen) perTrial.set(p.trial, (perTrial.get(p.trial) ?? 0) + 1);
        if ([...perTrial.values()].some((n) => n > 0 && n < 5)) partial = true;
        await new Promise((r) => setTimeout(r, 100));
      }
      const ended = await katib.ended;
      assert.equal(ended.code, 0, ended.stderr);
      assert.match(ended.stdout, /Succeeded/);
      assert.ok(partial, 'some loss points were stored while their trial was still printing');
      const all = points(dbFile);
      const trials = [...new Set(all.map((p) => p.trial))];
      assert.equal(trials.length, 2);
      for (const trial of trials) {
        const losses = all.filter((p) => p.trial === trial && p.name === 'loss');
        const accuracies = all.filter((p) => p.trial === trial && p.name === 'accuracy');
        assert.equal(losses.length, 5, `${trial}: five epochs of loss`);
        assert.equal(accuracies.length, 5);
        // Stamped as printed, 0.4 s apart: spread over the run, not one batch at exit.
        const spread = (losses.at(-1)!.time - losses[0]!.time) / 1e6;
        assert.ok(spread >= 1.2, `${trial}: loss time stamps span ${spread}s`);
        const work = path.join(dir, 'work', language === 'Python' ? 'inject-python' : 'inject-node', trial);
        assert.equal(
          readFileSync(path.join(work, 'stdout.log'), 'utf8'),
          'epoch 1:\nepoch 2:\nepoch 3:\nepoch 4:\nepoch 5:\ntraining done\n',
        );
        assert.match(readFileSync(path.join(work, 'injection.txt'), 'utf8'), /1 print rewritten/);
        assert.ok(readdirSync(path.join(work, 'katib-injected')).length >= 1);
      }
      // The script itself was not changed.
      const script = readFileSync(
        path.join(FIXTURES, fixture, language === 'Python' ? 'train.py' : 'train.mjs'),
        'utf8',
      );
      assert.ok(!script.includes('katib'), 'the fixture knows nothing of Katib');
    });
  }
});

describe('katib run: a Push trial in another language', () => {
  it('reads its output instead (pull) and prints the notice once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'katib-inject-shell-'));
    try {
      const dbFile = path.join(dir, 'katib.db');
      const katib = new KatibProcess([
        'run',
        path.join(FIXTURES, 'shell-print', 'experiment.yaml'),
        '--db',
        `sqlite:${dbFile}`,
        '--work-dir',
        path.join(dir, 'work'),
      ]);
      const ended = await katib.ended;
      assert.equal(ended.code, 0, ended.stderr);
      assert.equal(ended.stderr.match(/notice: the shell script runs no Python or JavaScript/g)?.length, 1);
      const losses = points(dbFile).filter((p) => p.name === 'loss');
      assert.equal(new Set(losses.map((p) => p.trial)).size, 3, 'every trial had its loss read');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('katib inject', () => {
  it('prints the rewritten source on stdout and the report on stderr', async () => {
    const cli = new CliProcess([
      'inject',
      '--language',
      'python',
      path.join(FIXTURES, 'python-print', 'train.py'),
      '--metric',
      'loss',
      '--metric',
      'accuracy',
    ]);
    const { code } = await cli.exited;
    assert.equal(code, 0, cli.stderr);
    assert.match(cli.stdout, /^# katib-ts push client/m);
    assert.match(
      cli.stdout,
      /^ {4}_katib_push\.report\("loss", format\(loss, "\.4f"\), "accuracy", format\(accuracy, "\.4f"\)\); print\(f"epoch \{epoch\}:", flush=True\)$/m,
    );
    assert.match(cli.stderr, /train\.py \(python\), metrics loss, accuracy: 1 print rewritten, 0 left/);
    assert.match(cli.stderr, /rewritten line 13: print\(f"epoch \{epoch\}: loss=\{loss:\.4f\}/);
  });

  it('exits 2 naming the flag for a missing metric or an unknown language', async () => {
    const noMetric = new CliProcess(['inject', path.join(FIXTURES, 'node-print', 'train.mjs')]);
    assert.equal((await noMetric.exited).code, 2);
    assert.match(noMetric.stderr, /--metric/);
    const badLanguage = new CliProcess(['inject', '--language', 'ruby', 'x.rb', '--metric', 'loss']);
    assert.equal((await badLanguage.exited).code, 2);
    assert.match(badLanguage.stderr, /--language: "ruby" must be python, javascript or typescript/);
  });
});
