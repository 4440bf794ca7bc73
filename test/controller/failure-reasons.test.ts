/**
 * A failed trial says why: its Failed message carries the line of its output that names the error
 * (Python's last traceback line, Node's uncaught error line, an SDK objective's own message), not
 * the last three lines of whatever followed it; the whole output stays in the trial's logs.
 * Real processes on a real SQLite database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type LocalKatib, startLocalKatib } from '../../src/manager/index.js';
import { failureLine } from '../../src/runner/failure-line.js';
import { KatibClient, search } from '../../src/sdk/index.js';
import { conditionOf, experiment, P, runToEnd } from './harness.js';

const ONE = [{ name: 'x', parameterType: 'discrete', feasibleSpace: { list: ['1'] } }];

// Python: output after the traceback (an atexit handler), so the error is not among the last lines.
const PYTHON = `
import atexit, sys
atexit.register(lambda: print("cleanup done\\nbye\\nreally bye", file=sys.stderr))
def load(x):
    import torch_that_is_not_installed_h16
print("epoch 1 loss=0.5")
load(sys.argv[1])
`;

describe('failed trials say why', () => {
  let katib: LocalKatib;
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'katib-why-'));
    katib = await startLocalKatib({ db: `sqlite:${join(work, 'katib.db')}`, workRoot: work });
  });
  after(async () => {
    await katib?.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** A trial's log file, wherever the trial folder layout puts it under the work root. */
  const logOf = (trial: string, file: string) => {
    const found = readdirSync(work, { recursive: true, encoding: 'utf8' }).find((p) =>
      p.endsWith(`${trial}/${file}`),
    );
    assert.ok(found, `${file} of ${trial}`);
    return join(work, found);
  };

  const single = (name: string, command: string[]) =>
    runToEnd(
      katib,
      experiment(name, {
        parameters: ONE,
        command,
        parallelTrialCount: 1,
        maxTrialCount: 1,
        maxFailedTrialCount: 1,
      }),
    );

  it('a Python traceback gives its last line, the whole traceback stays in stderr.log', async () => {
    const { trials } = await single('py-traceback', ['python3', '-c', PYTHON, P('x')]);
    const c = conditionOf(trials[0]!);
    assert.deepEqual([c.type, c.reason], ['Failed', 'TrialFailed']);
    assert.equal(
      c.message,
      "Trial exited with code 1: ModuleNotFoundError: No module named 'torch_that_is_not_installed_h16'",
    );
    const stderr = readFileSync(logOf(trials[0]!.name, 'stderr.log'), 'utf8');
    assert.match(
      stderr,
      /Traceback \(most recent call last\):\n {2}File .*\n[\s\S]*ModuleNotFoundError[\s\S]*really bye/,
    );
  });

  it("a Node trial that cannot import a package gives Node's ERR_MODULE_NOT_FOUND line", async () => {
    const { trials } = await single('node-missing', [
      process.execPath,
      '--input-type=module',
      '-e',
      "import 'left-pad-that-is-not-installed-h16';",
      P('x'),
    ]);
    const c = conditionOf(trials[0]!);
    assert.match(
      c.message,
      /^Trial exited with code 1: Error \[ERR_MODULE_NOT_FOUND\]: Cannot find package 'left-pad-that-is-not-installed-h16' imported from /,
    );
    assert.doesNotMatch(c.message, /Node\.js v/);
  });

  it('a Node trial that throws gives the error line, not its stack frames', async () => {
    const script =
      'function train(){ throw new RangeError("learning rate " + process.argv[1] + " out of range"); } train();';
    const { trials } = await single('node-throws', [process.execPath, '-e', script, P('x')]);
    assert.equal(
      conditionOf(trials[0]!).message,
      'Trial exited with code 1: RangeError: learning rate 1 out of range',
    );
  });

  it('output without an error line still gives the last lines', async () => {
    const { trials } = await single('plain-exit', [
      'sh',
      '-c',
      'echo one; echo two; echo three; echo four; exit 3',
      P('x'),
    ]);
    assert.equal(conditionOf(trials[0]!).message, 'Trial exited with code 3: two | three | four');
  });

  it("an SDK objective that throws gives the objective's own message first", async () => {
    const client = new KatibClient({ db: `sqlite:${join(work, 'sdk.db')}`, workDir: join(work, 'sdk') });
    try {
      await client.tune({
        name: 'objective-throws',
        parameters: { a: search.categorical(['1']) },
        objective: () => {
          throw new Error('the data set is empty');
        },
        objectiveMetricName: 'result',
        maxTrialCount: 1,
        parallelTrialCount: 1,
        maxFailedTrialCount: 1,
      });
      await client.waitForExperimentCondition('objective-throws', { timeout: 90, pollingInterval: 1 });
      const [trial] = await client.listTrials('objective-throws');
      const c = trial!.conditions.at(-1)!;
      assert.equal(c.type, 'Failed');
      assert.equal(c.message, 'Trial exited with code 1: the objective failed: Error: the data set is empty');
      const logs = await client.getTrialLogs(trial!.name);
      assert.match(logs.stderr, /Error: the data set is empty\n\s+at /, 'the stack stays in the log');
    } finally {
      await client.close();
    }
  });
});

describe('failureLine', () => {
  it('prefers the objective line, then an exception line, then a tool error line', () => {
    assert.equal(
      failureLine('Error: x\n    at y\nkatib-ts: the objective failed: Error: x\n'),
      'the objective failed: Error: x',
    );
    assert.equal(failureLine('error: first\nValueError: bad\n  done\n'), 'ValueError: bad');
    assert.equal(
      failureLine('step 1\npanic: runtime error: index out of range\n\ngoroutine 1 [running]:\n'),
      'panic: runtime error: index out of range',
    );
    assert.equal(
      failureLine('torch.cuda.OutOfMemoryError: CUDA out of memory\n'),
      'torch.cuda.OutOfMemoryError: CUDA out of memory',
    );
    assert.equal(failureLine('Error: boom\n    at main (x.js:1:1)\nerror: npm run failed\n'), 'Error: boom');
    assert.equal(failureLine(''), '');
  });
});
