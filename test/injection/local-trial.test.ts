/**
 * injectLocalTrial's choices for the commands local trials run: a CommonJS script copy that still
 * requires its siblings, a Python copy that still finds its folder, a program in another language
 * (pull fallback, with the notice), code that pushes by itself (left alone), no HTTP endpoint.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MetricsCollectorSpec } from '../../src/api/experiment.js';
import { injectLocalTrial } from '../../src/injection/index.js';
import { run, startTestDbManager, type TestDbManager } from './support.js';

const PUSH: MetricsCollectorSpec = { collector: { kind: 'Push' } };
const OBJECTIVE = { objectiveMetricName: 'loss', additionalMetricNames: ['accuracy'] };

describe('injectLocalTrial', () => {
  let dbm: TestDbManager;
  let src: string;
  before(async () => {
    dbm = await startTestDbManager();
    src = path.join(dbm.dir, 'project');
    mkdirSync(src);
  });
  after(() => dbm.close());

  const inject = (trial: string, command: string[], env: Record<string, string> = {}) => {
    const trialDir = path.join(dbm.dir, 'work', trial);
    const baseEnv = { KATIB_TRIAL_NAME: trial, KATIB_DB_MANAGER_HTTP_ADDRESS: dbm.http, ...env };
    const injected = injectLocalTrial({
      command,
      env: baseEnv,
      trialDir,
      workingDir: src,
      collector: PUSH,
      objective: OBJECTIVE,
    });
    return { injected, env: { ...baseEnv, ...injected.env }, trialDir };
  };

  it('a CommonJS script: its copy runs with require, __dirname and __filename of the original', async () => {
    writeFileSync(path.join(src, 'helper.js'), 'exports.scale = (x) => x / 2;\n');
    writeFileSync(
      path.join(src, 'train.js'),
      "const { scale } = require('./helper');\nconsole.log(`loss=${scale(1)} dir=${path()}`);\nfunction path() { return require('node:path').basename(__dirname); }\n",
    );
    const { injected, env } = inject('cjs', ['node', 'train.js']);
    assert.match(injected.command[1]!, /katib-injected\/train\.cjs$/);
    const out = await run(injected.command, env);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, 'dir=project\n');
    assert.deepEqual(await dbm.stored('cjs'), [['loss', '0.5']]);
  });

  it('a Python script: its copy imports siblings and sees its own folder and name', async () => {
    writeFileSync(path.join(src, 'helper.py'), 'def scale(x):\n    return x / 4\n');
    writeFileSync(
      path.join(src, 'train.py'),
      'import os, sys\nfrom helper import scale\nprint(f"loss={scale(1)}", os.path.basename(os.path.dirname(__file__)), os.path.basename(sys.argv[0]))\n',
    );
    const { injected, env } = inject('py', ['python3', 'train.py']);
    const out = await run(injected.command, env);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, 'project train.py\n');
    assert.deepEqual(await dbm.stored('py'), [['loss', '0.25']]);
  });

  it('a program in another language: metrics read from its output (pull), and the notice says so', () => {
    const { injected, trialDir } = inject('other', ['/usr/bin/awk', 'BEGIN { print "loss=0.3" }']);
    assert.deepEqual(injected.pullCollector, { collector: { kind: 'StdOut' } });
    assert.match(injected.summary, /awk is not Python or JavaScript.*read from its output \(pull/);
    assert.match(readFileSync(path.join(trialDir, 'injection.txt'), 'utf8'), /pull/);
  });

  it('a shell script that runs no Python or Node: pull, no shims (so nothing is stored twice)', () => {
    const { injected } = inject('shell', ['sh', '-c', 'for i in 1 2; do echo "loss=0.$i"; done']);
    assert.deepEqual(injected.pullCollector, { collector: { kind: 'StdOut' } });
    assert.deepEqual(injected.env, {});
    assert.match(injected.summary, /shell script runs no Python or JavaScript.*\(pull/);
  });

  it('a shell script that starts Python keeps the push shims and no pull', () => {
    const { injected } = inject('shell-py', ['sh', '-c', 'python3 train.py --lr 0.1']);
    assert.equal(injected.pullCollector, undefined);
    assert.ok(injected.env.PYTHONPATH);
  });

  it('code that pushes by itself is left as it is, with the shims (the once-only rule stores each point once)', () => {
    writeFileSync(path.join(src, 'pushes.py'), 'import katib_push\nprint(f"loss={1}")\n');
    const { injected } = inject('self', ['python3', 'pushes.py']);
    assert.deepEqual(injected.command, ['python3', 'pushes.py']);
    assert.ok(injected.env.PYTHONPATH);
    assert.match(injected.summary, /pushes metrics itself/);
  });

  it('refuses a DB manager without an HTTP endpoint', () => {
    assert.throws(
      () =>
        injectLocalTrial({
          command: ['python3', '-c', 'print(1)'],
          env: {},
          trialDir: path.join(dbm.dir, 'none'),
          workingDir: src,
          collector: PUSH,
          objective: OBJECTIVE,
        }),
      (err: Error & { code?: string }) => err.code === 'failed_precondition' && /HTTP/.test(err.message),
    );
  });
});
