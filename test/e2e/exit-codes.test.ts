/**
 * Exit codes and messages users hit (issue 16): `katib run` exits 3 when the experiment ended
 * without one successful trial; `--ui` on a taken port says so (not "cannot open database");
 * `katib create -f` with a missing file exits 2 like `katib run`; an unreachable server's message
 * has no empty "Resolution note:".
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort as closedPort } from '../support/fixtures.js';
import { E2E_FIXTURES, katib } from './cli.js';

const QUICK = join(E2E_FIXTURES, 'quick.yaml');

describe('katib exit codes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'katib-exit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('katib run exits 3 when every trial failed and the experiment still Succeeded (maxFailedTrialCount unset)', async () => {
    const file = join(dir, 'every-trial-fails.yaml');
    writeFileSync(
      file,
      readFileSync(QUICK, 'utf8')
        .replace('name: quick', 'name: every-trial-fails')
        .replace(
          `'echo "loss=\${trialParameters.x}"'`,
          `'echo "no GPU for \${trialParameters.x}" >&2; exit 1'`,
        ),
    );
    const db = ['--db', `sqlite:${join(dir, 'fail.sqlite')}`, '--work-dir', join(dir, 'work')];
    const r = await katib(['run', file, ...db, '-o', 'json'], { cwd: dir });
    assert.equal(r.code, 3, r.stderr);
    const e = JSON.parse(r.stdout);
    assert.equal(e.status.conditions.at(-1).type, 'Succeeded', 'stored as Katib would');
    assert.match(
      r.stderr,
      /experiment every-trial-fails ended without a successful trial \(3 trials: 3 failed/,
    );
    // The same again (already finished) exits the same way.
    assert.equal((await katib(['run', file, ...db, '-q'], { cwd: dir })).code, 3);
  });

  it('katib run exits 0 when some trial succeeded', async () => {
    const r = await katib(['run', QUICK, '--db', `sqlite:${join(dir, 'ok.sqlite')}`, '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
  });

  it('katib run --ui on a taken port says the port is taken, not that the database cannot be opened', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const r = await katib(
        ['run', QUICK, '--db', `sqlite:${join(dir, 'ui.sqlite')}`, '--ui', `127.0.0.1:${port}`, '-q'],
        { cwd: dir },
      );
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        new RegExp(`cannot serve the dashboard on 127\\.0\\.0\\.1:${port} \\(--ui\\): the port is taken`),
      );
      assert.doesNotMatch(r.stderr, /cannot open database/);
    } finally {
      taken.close();
    }
  });

  it('katib create -f with a missing file exits 2, as katib run does', async () => {
    const create = await katib(['create', '-f', 'missing.yaml', '--server', '127.0.0.1:1'], { cwd: dir });
    const run = await katib(['run', 'missing.yaml'], { cwd: dir });
    assert.equal(run.code, 2);
    assert.equal(create.code, 2, create.stderr);
    assert.match(create.stderr, /missing\.yaml: no such experiment file/);
  });

  it('an unreachable server: exit 1 and no empty "Resolution note:"', async () => {
    const r = await katib(['create', '-f', QUICK, '--server', `127.0.0.1:${await closedPort()}`], {
      cwd: dir,
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /katib server at 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    assert.doesNotMatch(r.stderr, /Resolution note:\s*$/m);
  });
});
