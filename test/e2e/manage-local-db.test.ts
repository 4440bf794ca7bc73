/**
 * `katib get` and `katib delete` with `--db`: what `katib run --db` wrote, read and deleted here
 * with no server, as a user would after a run; a database file that is not there is refused (and
 * not created), and --db does not mix with a server's credentials.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { E2E_FIXTURES, katib } from './cli.js';

describe('katib get / delete --db (a local database, no server)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'katib-manage-db-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const db = `sqlite:${join(dir, 'runs.db')}`;

  it('lists, shows and deletes what katib run stored', async () => {
    const run = await katib(['run', join(E2E_FIXTURES, 'quick.yaml'), '--db', db, '-q'], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);

    const list = await katib(['get', 'experiments', '--db', db], { cwd: dir });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^quick\s+Succeeded\s+ExperimentMaxTrialsReached\s+3\/3/m);

    const trials = await katib(['get', 'trials', 'quick', '--db', db, '-o', 'json'], { cwd: dir });
    assert.equal(trials.code, 0, trials.stderr);
    const parsed = JSON.parse(trials.stdout) as { experimentName: string }[];
    assert.deepEqual(
      parsed.map((t) => t.experimentName),
      ['quick', 'quick', 'quick'],
    );

    const missing = await katib(['get', 'experiment', 'nope', '--db', db], { cwd: dir });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /experiment "nope" does not exist/);

    const deleted = await katib(['delete', 'quick', '--db', db], { cwd: dir });
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, 'experiment quick deleted\n');
    const after = await katib(['get', 'experiments', '--db', db, '-o', 'json'], { cwd: dir });
    assert.deepEqual(JSON.parse(after.stdout), []);
  });

  it('refuses a SQLite file that is not there, and creates none', async () => {
    const path = join(dir, 'typo', 'runs.db');
    const r = await katib(['get', 'experiments', '--db', `sqlite:${path}`], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no SQLite database at .*typo\/runs\.db/);
    assert.equal(existsSync(path), false);
  });

  it('refuses a URL that is not a database, and --db with --token (exit 2)', async () => {
    const bad = await katib(['get', 'experiments', '--db', 'nope:x'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /"nope:x" is not a database URL/);
    const mixed = await katib(['delete', 'x', '--db', db, '--token', 't'], { cwd: dir });
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /--db <url>' cannot be used with option '--token/);
  });
});
