import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import type { MetricLog } from '../../src/api/observation.js';
import { parseRfc3339 } from '../../src/api/time.js';
import {
  compileMetricsFormat,
  createJsonParser,
  createLineParser,
  createTextParser,
  type MetricLineParser,
  ParseProblems,
} from '../../src/collector/index.js';

const READ_AT = 1_000_000;
const T = (text: string) => parseRfc3339(text, 'test');

function run(parser: MetricLineParser, lines: string[]): { logs: MetricLog[]; problems: ParseProblems } {
  const logs: MetricLog[] = [];
  const problems = new ParseProblems();
  for (const line of lines) parser.parse(line, READ_AT, logs, problems);
  return { logs, problems };
}

const p = (name: string, value: string, time = READ_AT): MetricLog => ({ time, name, value });

describe('TEXT parser, default filter', () => {
  const parser = createTextParser(['loss', 'accuracy', 'val-acc']);
  const table: { name: string; line: string; want: MetricLog[]; problems?: number }[] = [
    { name: 'one metric', line: 'loss=0.5', want: [p('loss', '0.5')] },
    {
      name: 'every match on the line counts',
      line: 'epoch 1: loss=0.5 accuracy = 0.9 loss=0.4',
      want: [p('loss', '0.5'), p('accuracy', '0.9'), p('loss', '0.4')],
    },
    { name: 'unwanted metrics dropped', line: 'lr=0.1 loss=2', want: [p('loss', '2')] },
    {
      name: 'dashes in names, exponents, signs',
      line: 'val-acc=+1.5e-3 loss=-2E2',
      want: [p('val-acc', '+1.5e-3'), p('loss', '-2E2')],
    },
    { name: 'no metric name mentioned', line: 'starting training', want: [] },
    {
      name: 'RFC 3339 first token carries the time',
      line: '2026-01-02T03:04:05.123456Z loss=0.5',
      want: [p('loss', '0.5', T('2026-01-02T03:04:05.123456Z'))],
    },
    {
      name: 'offset time stamp',
      line: '2026-01-02T03:04:05+02:00 loss=0.5',
      want: [p('loss', '0.5', T('2026-01-02T01:04:05Z'))],
    },
    { name: 'not a time stamp: read time', line: 'yesterday loss=0.5', want: [p('loss', '0.5')] },
    {
      name: 'time without zone is not RFC 3339',
      line: '2026-01-02T03:04:05 loss=0.5',
      want: [p('loss', '0.5')],
    },
    {
      name: 'empty value (loss=nan): a problem, not a point',
      line: 'loss=nan accuracy=0.5',
      want: [p('accuracy', '0.5')],
      problems: 1,
    },
    { name: 'name only as a prefix of another word', line: 'lossy=0.5', want: [] },
  ];
  for (const c of table) {
    test(c.name, () => {
      const { logs, problems } = run(parser, [c.line]);
      assert.deepEqual(logs, c.want);
      assert.equal(problems.count, c.problems ?? 0);
      assert.equal(problems.skippedLines, 0);
    });
  }
});

describe('TEXT parser, metricsFormat', () => {
  test('a custom filter replaces the default one', () => {
    const parser = createTextParser(
      ['loss', 'accuracy'],
      ['{metricName: ([\\w|-]+), metricValue: ((-?\\d+)(\\.\\d+)?)}'],
    );
    const { logs } = run(parser, [
      '{metricName: loss, metricValue: 0.5}',
      '{metricName: accuracy, metricValue: 0.91}{metricName: loss, metricValue: 0.25}',
      'loss=99',
    ]);
    assert.deepEqual(logs, [p('loss', '0.5'), p('accuracy', '0.91'), p('loss', '0.25')]);
  });

  test('several filters all apply; Go named groups and flags are translated', () => {
    const parser = createTextParser(['loss'], ['(?i)metric (\\w+) is (\\S+)', '(?P<n>loss)=(?P<v>[\\d.]+)']);
    const { logs } = run(parser, ['METRIC loss IS 0.5 and loss=0.25']);
    assert.deepEqual(logs, [p('loss', '0.5'), p('loss', '0.25')]);
  });

  const bad: { name: string; formats: string[]; rule: RegExp }[] = [
    { name: 'does not compile', formats: ['(loss=(\\d+)'], rule: /is not a valid regular expression/ },
    { name: 'one capture group', formats: ['loss=(\\d+)'], rule: /must have two capture groups/ },
    { name: 'empty', formats: ['loss=(\\d+)(x)', ''], rule: /must be a non-empty regular expression/ },
  ];
  for (const c of bad) {
    test(`bad filter: ${c.name}`, () => {
      assert.throws(
        () => compileMetricsFormat(c.formats),
        (err: unknown) =>
          err instanceof KatibError &&
          err.code === 'invalid_argument' &&
          err.field === `metricsCollectorSpec.source.filter.metricsFormat[${c.formats.length - 1}]` &&
          c.rule.test(err.message),
      );
    });
  }
});

describe('JSON parser', () => {
  const parser = createJsonParser(['loss', 'accuracy']);
  const table: { name: string; line: string; want: MetricLog[]; problems?: number; skipped?: number }[] = [
    {
      name: 'numbers count',
      line: '{"loss": 0.5, "accuracy": 1}',
      want: [p('loss', '0.5'), p('accuracy', '1')],
    },
    { name: 'numeric strings', line: '{"loss": "0.50"}', want: [p('loss', '0.50')] },
    {
      name: 'RFC 3339 timestamp',
      line: '{"timestamp": "2026-01-02T03:04:05.5Z", "loss": 1}',
      want: [p('loss', '1', T('2026-01-02T03:04:05.5Z'))],
    },
    {
      name: 'epoch seconds number',
      line: '{"timestamp": 1700000000.25, "loss": 1}',
      want: [p('loss', '1', 1_700_000_000_250_000)],
    },
    {
      name: 'epoch seconds string, exact',
      line: '{"timestamp": "1700000000.123456", "loss": 1}',
      want: [p('loss', '1', 1_700_000_000_123_456)],
    },
    {
      name: 'bad timestamp: read time and a problem',
      line: '{"timestamp": "soon", "loss": 1}',
      want: [p('loss', '1')],
      problems: 1,
    },
    {
      name: 'timestamp of another type',
      line: '{"timestamp": true, "loss": 1}',
      want: [p('loss', '1')],
      problems: 1,
    },
    {
      name: 'non-numeric value: a problem',
      line: '{"loss": "high", "accuracy": 0.5}',
      want: [p('accuracy', '0.5')],
      problems: 1,
    },
    {
      name: 'null and objects are not numbers',
      line: '{"loss": null, "accuracy": {"v": 1}}',
      want: [],
      problems: 2,
    },
    { name: 'unwanted keys ignored', line: '{"lr": 0.1}', want: [] },
    { name: 'not JSON: skipped', line: 'loss=0.5', want: [], problems: 1, skipped: 1 },
    { name: 'an array: skipped', line: '[1, 2]', want: [], problems: 1, skipped: 1 },
    { name: 'a number: skipped', line: '42', want: [], problems: 1, skipped: 1 },
    { name: 'blank line ignored', line: '   ', want: [] },
  ];
  for (const c of table) {
    test(c.name, () => {
      const { logs, problems } = run(parser, [c.line]);
      assert.deepEqual(logs, c.want);
      assert.equal(problems.count, c.problems ?? 0);
      assert.equal(problems.skippedLines, c.skipped ?? 0);
    });
  }

  test('problems are counted, examples bounded', () => {
    const problems = new ParseProblems(3);
    for (let i = 0; i < 50; i++) parser.parse(`garbage ${i} ${'x'.repeat(500)}`, READ_AT, [], problems);
    assert.equal(problems.count, 50);
    assert.equal(problems.skippedLines, 50);
    assert.equal(problems.examples.length, 3);
    assert.ok(problems.examples[0]!.line.length <= 200);
    assert.match(problems.examples[0]!.reason, /^not JSON/);
  });
});

describe('createLineParser', () => {
  test('File + JSON gives JSON, a filter with JSON is refused', () => {
    const json = createLineParser(
      { collector: { kind: 'File' }, source: { fileSystemPath: { path: 'm', format: 'JSON' } } },
      ['loss'],
    );
    assert.deepEqual(run(json, ['{"loss": 1}']).logs, [p('loss', '1')]);
    assert.throws(
      () =>
        createLineParser(
          {
            collector: { kind: 'File' },
            source: { fileSystemPath: { path: 'm', format: 'JSON' }, filter: { metricsFormat: ['(a)(b)'] } },
          },
          ['loss'],
        ),
      /metricsFormat: \["\(a\)\(b\)"\] applies to the TEXT format only/,
    );
  });
});
