import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import type { MetricsCollectorSpec } from '../../src/api/experiment.js';
import type { MetricLog } from '../../src/api/observation.js';
import { parseRfc3339 } from '../../src/api/time.js';
import {
  metricNamesOf,
  observationOf,
  startCollector,
  type TrialCollector,
} from '../../src/collector/index.js';
import { LocalTrialRunner, type RunningTrial } from '../../src/runner/index.js';
import { fixture, nodeFixture, tempDir } from '../runner/process-helpers.js';
import { until } from '../support/fixtures.js';

const objective = { objectiveMetricName: 'loss', additionalMetricNames: ['accuracy'] };
const runner = new LocalTrialRunner({ killGraceMs: 500 });

let root: string;
before(async () => {
  root = await tempDir('collector');
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A sink as the controller would plug in: it keeps what it was given, in order. */
function arraySink() {
  const logs: MetricLog[] = [];
  return { logs, sink: async (batch: MetricLog[]) => void logs.push(...batch) };
}

let seq = 0;
function run(command: string[], spec: MetricsCollectorSpec, timeoutSeconds?: number) {
  const workingDir = join(root, `trial-${++seq}`);
  const trial: RunningTrial = runner.start({
    trialName: `t${seq}`,
    experimentName: 'c',
    command,
    env: {},
    workingDir,
    timeoutSeconds,
  });
  const { logs, sink } = arraySink();
  const collector: TrialCollector = startCollector({
    spec,
    objective,
    trial,
    workingDir,
    sink,
    flushIntervalMs: 20,
    pollIntervalMs: 25,
  });
  return { trial, collector, logs, workingDir };
}

const values = (logs: MetricLog[], name = 'loss') => logs.filter((l) => l.name === name).map((l) => l.value);
const STDOUT: MetricsCollectorSpec = { collector: { kind: 'StdOut' } };
const file = (path: string, format: 'TEXT' | 'JSON' = 'TEXT'): MetricsCollectorSpec => ({
  collector: { kind: 'File' },
  source: { fileSystemPath: { path, kind: 'File', format } },
});

describe('StdOut collector', () => {
  test('collects the metrics a trial prints; observation from them', async () => {
    const { trial, collector, logs } = run(nodeFixture('metrics-ok.mjs'), STDOUT);
    await trial.wait();
    const stats = await collector.finish();
    assert.deepEqual(values(logs), ['1.000', '0.500', '0.333']);
    assert.deepEqual(values(logs, 'accuracy'), ['0.60', '0.70', '0.80']);
    assert.deepEqual(stats.pointsByMetric, { loss: 3, accuracy: 3 });
    assert.equal(stats.written, 6);
    assert.equal(stats.linesRead, 5);
    assert.deepEqual(observationOf(logs, metricNamesOf(objective)), [
      { name: 'loss', min: '0.333', max: '1.000', latest: '0.333' },
      { name: 'accuracy', min: '0.60', max: '0.80', latest: '0.80' },
    ]);
  });

  test('live: a point reaches the sink while the trial still runs', async () => {
    const { trial, collector, logs } = run(nodeFixture('print-then-wait.mjs'), STDOUT);
    let exited = false;
    void trial.wait().then(() => {
      exited = true;
    });
    await until('first point at the sink', () => logs.length > 0, 5000);
    assert.equal(exited, false);
    assert.deepEqual(values(logs), ['0.42']);
    await trial.kill();
    await collector.finish();
  });

  test('RFC 3339 time stamps at line start are kept', async () => {
    const { trial, collector, logs } = run([fixture('timestamps.sh')], STDOUT);
    const before = Date.now() * 1000;
    await trial.wait();
    await collector.finish();
    assert.deepEqual(values(logs), ['0.5', '0.4', '0.3']);
    assert.equal(logs[0]!.time, parseRfc3339('2026-01-02T03:04:05.123456Z', 't'));
    assert.equal(logs[1]!.time, parseRfc3339('2026-01-02T01:04:06Z', 't'));
    assert.ok(logs.at(-1)!.time >= before - 5_000_000, 'no time stamp: the time it was read');
  });

  test('custom metricsFormat', async () => {
    const spec: MetricsCollectorSpec = {
      collector: { kind: 'StdOut' },
      source: { filter: { metricsFormat: ['{metricName: ([\\w|-]+), metricValue: ((-?\\d+)(\\.\\d+)?)}'] } },
    };
    const { trial, collector, logs } = run([fixture('custom-format.sh')], spec);
    await trial.wait();
    await collector.finish();
    assert.deepEqual(
      logs.map((l) => `${l.name}=${l.value}`),
      ['loss=0.5', 'accuracy=0.91', 'loss=0.25'],
    );
  });

  test('garbage and no metrics: nothing collected, nothing fails', async () => {
    const a = run(nodeFixture('garbage.mjs'), STDOUT);
    const b = run([fixture('no-metrics.sh')], STDOUT);
    await Promise.all([a.trial.wait(), b.trial.wait()]);
    const [sa, sb] = await Promise.all([a.collector.finish(), b.collector.finish()]);
    assert.deepEqual(
      a.logs.map((l) => `${l.name}=${l.value}`),
      ['loss=0.25', 'accuracy=0.5'],
    );
    assert.deepEqual(b.logs, []);
    assert.deepEqual(sb.pointsByMetric, {});
    assert.equal(sa.problems, 0);
  });

  test('a crashing trial: what it printed before is kept', async () => {
    const { trial, collector, logs } = run(nodeFixture('crash.mjs'), STDOUT);
    assert.equal((await trial.wait()).exitCode, 1);
    await collector.finish();
    assert.deepEqual(values(logs), ['0.9']);
  });
});

describe('File collector', () => {
  test('TEXT: follows the file live while the trial writes it', async () => {
    const { trial, collector, logs } = run(
      nodeFixture('write-metrics-file.mjs', 'metrics.log', 'TEXT', '8', '60'),
      file('metrics.log'),
    );
    let exited = false;
    void trial.wait().then(() => {
      exited = true;
    });
    await until('a point from the file', () => logs.length > 0, 5000);
    assert.equal(exited, false, 'point arrived before the trial ended');
    await trial.wait();
    const stats = await collector.finish();
    assert.deepEqual(values(logs), [
      '1.0000',
      '0.5000',
      '0.3333',
      '0.2500',
      '0.2000',
      '0.1667',
      '0.1429',
      '0.1250',
    ]);
    assert.equal(stats.kind, 'File');
    assert.equal(stats.problems, 0);
  });

  test('the file appears late (absolute path)', async () => {
    const dir = join(root, 'late');
    mkdirSync(dir);
    const path = join(dir, 'm.log');
    const { trial, collector, logs } = run(
      nodeFixture('write-metrics-file.mjs', path, 'TEXT', '3', '20', 'late'),
      file(path),
    );
    await trial.wait();
    await collector.finish();
    assert.deepEqual(values(logs), ['1.0000', '0.5000', '0.3333']);
  });

  test('a truncated file is read again from its start', async () => {
    const { trial, collector, logs } = run(
      nodeFixture('write-metrics-file.mjs', 'm.log', 'TEXT', '10', '80', 'truncate'),
      file('m.log'),
    );
    await trial.wait();
    await collector.finish();
    assert.deepEqual(values(logs), [
      '1.0000',
      '0.5000',
      '0.3333',
      '0.2500',
      '0.2000',
      '0.1667',
      '0.1429',
      '0.1250',
      '0.1111',
      '0.1000',
    ]);
  });

  test('a rotated file: the old one to its end, then the new one', async () => {
    const { trial, collector, logs } = run(
      nodeFixture('write-metrics-file.mjs', 'm.log', 'TEXT', '6', '60', 'rotate'),
      file('m.log'),
    );
    await trial.wait();
    await collector.finish();
    assert.deepEqual(values(logs), ['1.0000', '0.5000', '0.3333', '0.2500', '0.2000', '0.1667']);
  });

  test('JSON: epoch time stamps, number values, bad lines skipped and counted', async () => {
    const { trial, collector, logs } = run(
      nodeFixture('write-metrics-file.mjs', 'm.json', 'JSON', '6', '10', 'bad'),
      file('m.json', 'JSON'),
    );
    await trial.wait();
    const stats = await collector.finish();
    assert.deepEqual(values(logs), ['1.0000', '0.5000', '0.3333', '0.2500', '0.2000', '0.1667']);
    assert.deepEqual(values(logs, 'accuracy'), ['0.01', '0.02', '0.03', '0.04', '0.05', '0.06']);
    assert.equal(logs[0]!.time, 1_700_000_001_000_000);
    assert.equal(stats.skippedLines, 6);
    assert.equal(stats.problems, 6);
    assert.match(stats.problemExamples[0]!.reason, /^not JSON/);
    assert.equal(stats.problemExamples[1]!.reason, 'not a JSON object');
  });

  test('a file that never appears: nothing collected; a directory: one problem', async () => {
    const a = run([fixture('no-metrics.sh')], file('never.log'));
    const b = run([fixture('no-metrics.sh')], file('.'));
    await Promise.all([a.trial.wait(), b.trial.wait()]);
    const [sa, sb] = await Promise.all([a.collector.finish(), b.collector.finish()]);
    assert.equal(sa.linesRead, 0);
    assert.equal(sa.problems, 0);
    assert.equal(sb.problems, 1);
    assert.match(sb.problemExamples[0]!.reason, /is a directory/);
  });

  test('a metrics file already there before the trial is read from its start', async () => {
    const workingDir = join(root, 'pre');
    mkdirSync(workingDir);
    writeFileSync(join(workingDir, 'm.log'), 'loss=5\nloss=4');
    const { logs, sink } = arraySink();
    const trial = runner.start({
      trialName: 'pre',
      experimentName: 'c',
      command: ['true'],
      env: {},
      workingDir,
    });
    const collector = startCollector({
      spec: file('m.log'),
      objective,
      trial,
      workingDir,
      sink,
      pollIntervalMs: 25,
    });
    await trial.wait();
    await collector.finish();
    assert.deepEqual(values(logs), ['5', '4'], 'last line without newline read at finish');
  });
});

describe('startCollector', () => {
  test('Push collects nothing', async () => {
    const { trial, collector, logs } = run(nodeFixture('metrics-ok.mjs'), { collector: { kind: 'Push' } });
    await trial.wait();
    const stats = await collector.finish();
    assert.deepEqual(logs, []);
    assert.equal(stats.kind, 'Push');
    assert.equal(stats.linesRead, 0);
  });

  const trial = { onLine: () => {} };
  const sink = async () => {};
  const bad: { name: string; spec: MetricsCollectorSpec; code: string; field: string }[] = [
    {
      name: 'File without a path',
      spec: { collector: { kind: 'File' } },
      code: 'invalid_argument',
      field: 'metricsCollectorSpec.source.fileSystemPath.path',
    },
    {
      name: 'File with a Directory path',
      spec: { collector: { kind: 'File' }, source: { fileSystemPath: { path: '/x', kind: 'Directory' } } },
      code: 'invalid_argument',
      field: 'metricsCollectorSpec.source.fileSystemPath.kind',
    },
    {
      name: 'PrometheusMetric',
      spec: { collector: { kind: 'PrometheusMetric' } },
      code: 'unimplemented',
      field: 'metricsCollectorSpec.collector.kind',
    },
    {
      name: 'a bad filter',
      spec: { collector: { kind: 'StdOut' }, source: { filter: { metricsFormat: ['(x)'] } } },
      code: 'invalid_argument',
      field: 'metricsCollectorSpec.source.filter.metricsFormat[0]',
    },
  ];
  for (const c of bad) {
    test(`refuses ${c.name}`, () => {
      assert.throws(
        () => startCollector({ spec: c.spec, objective, trial, workingDir: root, sink }),
        (err: unknown) => err instanceof KatibError && err.code === c.code && err.field === c.field,
      );
    });
  }

  test('a failing sink: retried, and finish() reports what could not be written', async () => {
    const workingDir = join(root, 'failing');
    const t = runner.start({
      trialName: 'f',
      experimentName: 'c',
      command: nodeFixture('metrics-ok.mjs'),
      env: {},
      workingDir,
    });
    let calls = 0;
    const collector = startCollector({
      spec: STDOUT,
      objective,
      trial: t,
      workingDir,
      sink: async () => {
        calls++;
        throw new KatibError('unavailable', 'DB manager unreachable');
      },
      flushIntervalMs: 5,
      retryInitialMs: 10,
      finishTimeoutMs: 200,
    });
    await t.wait();
    await assert.rejects(
      collector.finish(),
      /6 metric points could not be written after \d+ failed attempts: DB manager unreachable/,
    );
    assert.ok(calls >= 2);
    assert.equal(collector.unsent().length, 6);
    assert.ok(collector.stats().writeFailures >= 2);
  });
});
