import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BoundedLogFile, LocalTrialRunner, type TrialRunSpec } from '../../src/runner/index.js';
import { until } from '../support/fixtures.js';
import { fixture, isAlive, nodeFixture, tempDir } from './process-helpers.js';

let root: string;
before(async () => {
  root = await tempDir('runner');
});

let seq = 0;
function spec(command: string[], extra: Partial<TrialRunSpec> = {}): TrialRunSpec {
  seq++;
  return {
    trialName: `t${seq}`,
    experimentName: 'runner-test',
    command,
    env: {},
    workingDir: join(root, `trial-${seq}`),
    ...extra,
  };
}

function collect(trial: {
  onLine: (l: (line: string, stream: 'stdout' | 'stderr', t?: boolean) => void) => void;
}) {
  const lines: { line: string; stream: string; truncated: boolean }[] = [];
  trial.onLine((line, stream, truncated) => lines.push({ line, stream, truncated: truncated === true }));
  return lines;
}

const runner = new LocalTrialRunner({ killGraceMs: 500 });

describe('LocalTrialRunner: normal exits', () => {
  test('runs in its working directory with a clean env, delivers lines, writes log files', async () => {
    process.env.KATIB_TEST_SECRET = 'do-not-leak';
    const s = spec(nodeFixture('metrics-ok.mjs'), {
      env: { TRIAL_X: 'x1' },
      workingDir: join(root, 'nested', 'dir'),
    });
    const trial = runner.start(s);
    const lines = collect(trial);
    const exit = await trial.wait();
    delete process.env.KATIB_TEST_SECRET;
    assert.deepEqual(exit, { exitCode: 0, signal: null });
    assert.equal(lines.length, 5);
    assert.deepEqual(lines[0], {
      line: 'epoch 1: loss=1.000 accuracy=0.60',
      stream: 'stdout',
      truncated: false,
    });
    assert.equal(lines[3]!.line, 'env TRIAL_X=x1 SECRET= PATH_SET=1');
    assert.equal(lines[4]!.line, `cwd=${s.workingDir}`);
    assert.ok(trial.logsTail().includes('epoch 3: loss=0.333'));
    assert.equal(
      readFileSync(join(s.workingDir, 'stdout.log'), 'utf8'),
      `${lines.map((l) => l.line).join('\n')}\n`,
    );
    assert.equal(readFileSync(join(s.workingDir, 'stderr.log'), 'utf8'), '');
  });

  test('a crash exits 1 and its stack trace arrives on stderr', async () => {
    const trial = runner.start(spec(nodeFixture('crash.mjs')));
    const lines = collect(trial);
    const exit = await trial.wait();
    assert.deepEqual(exit, { exitCode: 1, signal: null });
    assert.ok(lines.some((l) => l.stream === 'stderr' && l.line.includes('boom: the trial crashed')));
    assert.ok(lines.some((l) => l.stream === 'stdout' && l.line === 'loss=0.9'));
  });

  test('exit 1 from a shell script, stderr kept in stderr.log', async () => {
    const s = spec([fixture('exit-one.sh')]);
    const trial = runner.start(s);
    const exit = await trial.wait();
    assert.deepEqual(exit, { exitCode: 1, signal: null });
    assert.equal(readFileSync(join(s.workingDir, 'stderr.log'), 'utf8'), 'something went wrong\n');
  });

  test('garbage output: binary, CRLF, a UTF-8 character and a line split across writes', async () => {
    const trial = runner.start(spec(nodeFixture('garbage.mjs')));
    const lines = collect(trial);
    assert.equal((await trial.wait()).exitCode, 0);
    const texts = lines.map((l) => l.line);
    assert.ok(texts.includes('café loss=0.25'), 'CRLF stripped and é decoded whole');
    assert.ok(texts.includes('accuracy=0.5'), 'partial line joined');
    assert.ok(texts[0]!.includes('\u0000'));
  });

  test('a throwing listener is reported, the others still get every line', async () => {
    const errors: unknown[] = [];
    const r = new LocalTrialRunner({ onListenerError: (err) => errors.push(err) });
    const trial = r.start(spec(nodeFixture('metrics-ok.mjs')));
    trial.onLine(() => {
      throw new Error('listener bug');
    });
    const lines = collect(trial);
    assert.equal((await trial.wait()).exitCode, 0);
    assert.equal(lines.length, 5);
    assert.equal(errors.length, 5);
  });
});

describe('LocalTrialRunner: ending trials', () => {
  test('timeout kills the group with SIGTERM', async () => {
    const started = Date.now();
    const trial = runner.start(spec(nodeFixture('hang.mjs'), { timeoutSeconds: 0.3 }));
    const exit = await trial.wait();
    assert.deepEqual(exit, { exitCode: null, signal: 'SIGTERM', killedBy: 'timeout' });
    assert.ok(Date.now() - started >= 300);
  });

  test('kill() escalates to SIGKILL after the grace period for a trial that ignores SIGTERM', async () => {
    const trial = runner.start(spec(nodeFixture('ignore-term.mjs')));
    const lines = collect(trial);
    await until('ready line', () => lines.length > 0, 5000);
    const pid = trial.pid()!;
    const t0 = Date.now();
    await trial.kill();
    const elapsed = Date.now() - t0;
    const exit = await trial.wait();
    assert.deepEqual(exit, { exitCode: null, signal: 'SIGKILL', killedBy: 'kill' });
    assert.ok(elapsed >= 450, `grace respected (${elapsed} ms)`);
    assert.ok(lines.some((l) => l.line === 'got SIGTERM, ignoring it'));
    assert.equal(isAlive(pid), false);
  });

  test('timeout kills the grandchild too (the whole process group)', async () => {
    const trial = runner.start(spec(nodeFixture('spawn-child.mjs', 'hang'), { timeoutSeconds: 1.5 }));
    const lines = collect(trial);
    const exit = await trial.wait();
    assert.equal(exit.killedBy, 'timeout');
    const grandchild = Number(/grandchild pid=(\d+)/.exec(lines.map((l) => l.line).join('\n'))?.[1]);
    assert.ok(grandchild > 0);
    assert.equal(isAlive(grandchild), false, 'grandchild is gone');
  });

  test('a grandchild left behind by a trial that exits 0 dies with it', async () => {
    const trial = runner.start(spec(nodeFixture('spawn-child.mjs', 'exit')));
    const lines = collect(trial);
    const exit = await trial.wait();
    assert.deepEqual(exit, { exitCode: 0, signal: null });
    const grandchild = Number(/grandchild pid=(\d+)/.exec(lines[0]!.line)?.[1]);
    assert.equal(isAlive(grandchild), false);
  });

  test('a process that left the group cannot hold wait() once the pipes are quiet', async () => {
    const r = new LocalTrialRunner({ stdioCloseMs: 300 });
    const trial = r.start(spec(nodeFixture('escape-group.mjs')));
    const lines = collect(trial);
    const t0 = Date.now();
    assert.deepEqual(await trial.wait(), { exitCode: 0, signal: null });
    assert.ok(Date.now() - t0 < 5000);
    const escaped = Number(/escaped pid=(\d+)/.exec(lines[0]?.line ?? '')?.[1]);
    assert.ok(isAlive(escaped), 'out of the group: the runner cannot reach it (documented)');
    process.kill(escaped, 'SIGKILL');
  });

  test('an aborted signal kills the trial', async () => {
    const controller = new AbortController();
    const trial = runner.start(spec(nodeFixture('hang.mjs')), { signal: controller.signal });
    const lines = collect(trial);
    await until('first line', () => lines.length > 0, 5000);
    controller.abort();
    assert.deepEqual(await trial.wait(), { exitCode: null, signal: 'SIGTERM', killedBy: 'kill' });
  });

  test('an already aborted signal, or kill() right after start: nothing runs', async () => {
    const s1 = spec(nodeFixture('hang.mjs'));
    const t1 = runner.start(s1, { signal: AbortSignal.abort() });
    assert.deepEqual(await t1.wait(), { exitCode: null, signal: null, killedBy: 'kill' });
    const t2 = runner.start(spec(nodeFixture('hang.mjs')));
    await t2.kill();
    assert.deepEqual(await t2.wait(), { exitCode: null, signal: null, killedBy: 'kill' });
    assert.equal(t2.pid(), undefined);
  });

  test('kill() after the trial ended changes nothing', async () => {
    const trial = runner.start(spec([fixture('no-metrics.sh')]));
    const exit = await trial.wait();
    await trial.kill();
    assert.deepEqual(await trial.wait(), exit);
    assert.deepEqual(exit, { exitCode: 0, signal: null });
  });
});

describe('LocalTrialRunner: start errors', () => {
  const cases: {
    name: string;
    command: () => string[];
    workingDir?: () => string;
    timeoutSeconds?: number;
    match: RegExp;
  }[] = [
    {
      name: 'command not found in PATH',
      command: () => ['katib-no-such-program'],
      match: /command "katib-no-such-program" not found in PATH=/,
    },
    {
      name: 'path not found',
      command: () => ['/nonexistent/train'],
      match: /command "\/nonexistent\/train" not found/,
    },
    { name: 'not executable', command: () => [fixture('not-executable.sh')], match: /is not executable/ },
    { name: 'a directory', command: () => [root], match: /is not executable/ },
    { name: 'empty command', command: () => [], match: /^command: \[\] must name a program to run$/ },
    {
      name: 'bad timeout',
      command: () => ['true'],
      timeoutSeconds: -1,
      match: /^timeoutSeconds: -1 must be a positive number/,
    },
    {
      name: 'working directory not creatable',
      command: () => ['true'],
      workingDir: () => {
        const file = join(root, 'a-file');
        writeFileSync(file, '');
        return join(file, 'sub');
      },
      match: /^working directory ".*a-file\/sub" could not be created: ENOTDIR/,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const extra: Partial<TrialRunSpec> = {};
      if (c.workingDir) extra.workingDir = c.workingDir();
      if (c.timeoutSeconds !== undefined) extra.timeoutSeconds = c.timeoutSeconds;
      const trial = runner.start(spec(c.command(), extra));
      const exit = await trial.wait();
      assert.equal(exit.exitCode, null);
      assert.equal(exit.signal, null);
      assert.match(exit.startError ?? '', c.match);
    });
  }
});

describe('LocalTrialRunner: bounded output', () => {
  test('a flood stays within the tail, line and log file caps', async () => {
    const r = new LocalTrialRunner({
      tailBytes: 64 * 1024,
      maxLineBytes: 4096,
      logFileMaxBytes: 1024 * 1024,
    });
    const s = spec(nodeFixture('flood.mjs', '96', '100'));
    const heapBefore = process.memoryUsage().heapUsed;
    const trial = r.start(s);
    let count = 0;
    let truncated = 0;
    let last = '';
    let longest = 0;
    trial.onLine((line, _stream, cut) => {
      count++;
      if (cut) truncated++;
      longest = Math.max(longest, Buffer.byteLength(line));
      last = line;
    });
    const t0 = Date.now();
    const exit = await trial.wait();
    const ms = Date.now() - t0;
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    assert.equal(exit.exitCode, 0);
    assert.equal(last, 'loss=0.125');
    assert.equal(truncated, 1);
    assert.equal(longest, 4096);
    assert.ok(count > 96 * 10_000);
    // Everything kept would be over 100 MiB of strings; what stays is the tail and the caps.
    assert.ok(heapGrowth < 48 * 2 ** 20, `heap grew by ${heapGrowth} bytes`);
    assert.ok(Buffer.byteLength(trial.logsTail()) <= 64 * 1024);
    assert.ok(trial.logsTail().endsWith('loss=0.125\n'));
    const onDisk =
      statSync(join(s.workingDir, 'stdout.log')).size + statSync(join(s.workingDir, 'stdout.log.1')).size;
    assert.ok(onDisk <= 1024 * 1024, `log files use ${onDisk} bytes`);
    assert.ok(
      readFileSync(join(s.workingDir, 'stdout.log'), 'utf8').endsWith('loss=0.125\n'),
      'newest output kept',
    );
    assert.ok(!existsSync(join(s.workingDir, 'stdout.log.2')));
    console.log(
      `flood: 96 MiB, ${count} lines in ${ms} ms, heap growth ${(heapGrowth / 2 ** 20).toFixed(1)} MiB`,
    );
  });
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('BoundedLogFile', () => {
  test('rotates at line ends and keeps the newest output within the cap', async () => {
    const path = join(root, 'out.log');
    const log = await BoundedLogFile.open(path, 100);
    const lines = Array.from({ length: 40 }, (_, i) => `line ${String(i).padStart(2, '0')}\n`);
    const all = `${lines.join('')}${'z'.repeat(120)}\nlast\n`;
    for (const line of lines) log.write(Buffer.from(line));
    await new Promise((resolve) => setTimeout(resolve, 5)); // some writes land mid-rotation
    log.write(Buffer.from(`${'z'.repeat(120)}\nlast\n`));
    await log.close();
    const current = readFileSync(path, 'utf8');
    const previous = readFileSync(`${path}.1`, 'utf8');
    assert.ok(current.length <= 50 && previous.length <= 50);
    assert.ok(current.endsWith('last\n'));
    assert.ok(all.endsWith(previous + current), 'nothing lost between the two files');
    for (const text of [current, previous]) {
      for (const l of text.split('\n').slice(0, -1))
        assert.ok(/^line \d\d$/.test(l) || /^z+$/.test(l) || l === 'last', l);
    }
  });
});
