/**
 * Trials that flood: `katib run` (the built CLI, its own process: the controller and the DB
 * manager) must keep its memory bounded and lose nothing.
 *
 * - StdOut, hundreds of MiB of output: read, tailed and logged within fixed caps.
 * - StdOut, hundreds of thousands of metric lines printed faster than the store takes them (a
 *   server database is slower than the pipe): the collector holds the trial's output while its
 *   points wait for the store (back-pressure), so every line's point is stored, none dropped.
 * - Push, output flood plus a million points through createMetricsReporter, which waits on
 *   drain() as its contract asks: the reporter's queue, the DB manager and the observation
 *   (folded a page at a time) all stay bounded; every point is stored.
 *
 * - The collectors against a sink slower than the trial (in process): every point written, none
 *   dropped past the writer's maxPending; the StdOut one holds the trial's pipe, the File one
 *   stops reading the file, until the sink catches up.
 *
 * The bounds are generous (a few times what was measured here), to catch growth with the size of
 * the flood, not to benchmark.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createLineParser, startFileCollector, startStdOutCollector } from '../../src/collector/index.js';
import { LocalTrialRunner } from '../../src/runner/index.js';
import { openDatabase } from '../../src/store/index.js';
import { testDatabases } from '../support/databases.js';
import { FIXTURES, katibMeasured, oneTrialExperiment } from './measured-run.js';

// Measured here: ~150-210 MB for output floods, ~300 MB for a 1M-line StdOut metric flood on SQLite.
const RSS_BOUND_MB = 600;
const databases = await testDatabases();
const dir = mkdtempSync(join(tmpdir(), 'katib-flood-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Rows and distinct values of metric `loss` in the database at `url`. */
async function lossRows(url: string): Promise<{ rows: number; distinct: number }> {
  const db = await openDatabase(url, { skipInitialization: true, connectTimeoutSeconds: 10 });
  try {
    const row = await db.kysely
      .selectFrom('observation_logs')
      .select([sql<string>`COUNT(*)`.as('n'), sql<string>`COUNT(DISTINCT value)`.as('d')])
      .where('metric_name', '=', 'loss')
      .executeTakeFirstOrThrow();
    return { rows: Number(row.n), distinct: Number(row.d) };
  } finally {
    await db.close();
  }
}

/** The last stdout.log under `root` (the one trial's). */
function trialStdout(root: string): string {
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === 'stdout.log')
      return readFileSync(join(entry.parentPath, entry.name), 'utf8');
  }
  throw new Error(`no stdout.log under ${root}`);
}

describe('a trial flooding its output (StdOut)', () => {
  it('300 MiB of output: Succeeded with its one metric, katib run stays within its memory bound', async () => {
    const file = oneTrialExperiment(dir, 'noise', 'StdOut', [
      'node',
      join(FIXTURES, 'print-flood.mjs'),
      'noise',
      '300',
    ]);
    const run = await katibMeasured(
      ['run', file, '--db', `sqlite:${join(dir, 'noise.db')}`, '--work-dir', join(dir, 'noise')],
      dir,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /loss: min 0\.5, max 0\.5, latest 0\.5/);
    process.stderr.write(`flood: 300 MiB StdOut output, katib run peak RSS ${run.peakRssMb} MB\n`);
    assert.ok(run.peakRssMb < RSS_BOUND_MB, `peak RSS ${run.peakRssMb} MB`);
  });

  for (const database of databases) {
    it(`200,000 metric lines into ${database.label}: every point stored, none dropped, memory bounded`, {
      skip: database.skipReason,
    }, async () => {
      if (database.skipReason !== undefined) return;
      const url = await database.fresh();
      const lines = 200_000;
      const file = oneTrialExperiment(dir, `lines-${database.dialect}`, 'StdOut', [
        'node',
        join(FIXTURES, 'print-flood.mjs'),
        'metrics',
        String(lines),
      ]);
      const run = await katibMeasured(
        ['run', file, '--db', url, '--work-dir', join(dir, `lines-${database.dialect}`)],
        dir,
      );
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(await lossRows(url), { rows: lines, distinct: lines });
      assert.match(run.stdout, new RegExp(`loss: min 0, max ${lines - 1}, latest ${lines - 1}`));
      process.stderr.write(
        `flood: ${lines} metric lines into ${database.dialect}, katib run peak RSS ${run.peakRssMb} MB\n`,
      );
      assert.ok(run.peakRssMb < RSS_BOUND_MB, `peak RSS ${run.peakRssMb} MB`);
    });
  }
});

describe('a trial flooding with Push', () => {
  it('100 MiB of output, then 1,000,000 points through createMetricsReporter: all stored, reporter and katib run bounded', async () => {
    const points = 1_000_000;
    const work = join(dir, 'push');
    const file = oneTrialExperiment(dir, 'push', 'Push', [
      'node',
      join(FIXTURES, 'push-flood.mjs'),
      String(points),
      '100',
    ]);
    const dbFile = join(dir, 'push.db');
    const run = await katibMeasured(['run', file, '--db', `sqlite:${dbFile}`, '--work-dir', work], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await lossRows(`sqlite:${dbFile}`), { rows: points, distinct: points });
    assert.match(run.stdout, new RegExp(`loss: min 0, max ${points - 1}, latest ${points - 1}`));
    const reporterRss = Number(/reporter_rss_mb=(\d+)/.exec(trialStdout(work))?.[1]);
    process.stderr.write(
      `flood: Push of ${points} points, katib run peak RSS ${run.peakRssMb} MB, reporter ${reporterRss} MB\n`,
    );
    assert.ok(run.peakRssMb < RSS_BOUND_MB, `katib run peak RSS ${run.peakRssMb} MB`);
    // The reporter holds at most highWaterMark (10,000) points plus one request: a bare Node is ~50 MB.
    assert.ok(reporterRss > 0 && reporterRss < 250, `reporter peak RSS ${reporterRss} MB`);
  });
});

describe('collectors with a store slower than the trial', () => {
  const LINES = 300_000;
  /** A sink taking 2 ms per batch (at most 500 points): slower than a trial printing. */
  const slowSink = () => {
    const seen = new Set<number>();
    let writes = 0;
    const sink = async (logs: { value: string }[]) => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      writes++;
      for (const log of logs) seen.add(Number(log.value));
    };
    return { sink, seen, writes: () => writes };
  };
  const parser = (kind: string) => createLineParser({ collector: { kind } } as never, ['loss']);

  it(`StdOut: ${LINES} lines printed at once, all written, none dropped`, async () => {
    const runner = new LocalTrialRunner();
    const trial = runner.start({
      trialName: 'slow-sink',
      experimentName: 'flood',
      command: [process.execPath, join(FIXTURES, 'print-flood.mjs'), 'metrics', String(LINES)],
      env: {},
      workingDir: join(dir, 'slow-stdout'),
    });
    const { sink, seen } = slowSink();
    const collector = startStdOutCollector(trial, parser('StdOut'), sink);
    assert.equal((await trial.wait()).exitCode, 0);
    const stats = await collector.finish();
    assert.deepEqual([stats.written, stats.dropped, seen.size], [LINES, 0, LINES]);
  });

  it(`File: a file of ${LINES} lines, all written, none dropped`, async () => {
    const file = join(dir, 'metrics.log');
    writeFileSync(file, Array.from({ length: LINES }, (_, i) => `loss=${i}\n`).join(''));
    const { sink, seen } = slowSink();
    const collector = startFileCollector(file, dir, parser('File'), sink);
    const stats = await collector.finish();
    assert.deepEqual([stats.written, stats.dropped, seen.size], [LINES, 0, LINES]);
  });
});
