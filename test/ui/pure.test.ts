/** Table tests of the dashboard's pure parts: summaries, the trials filter and sort, formatting, log tails. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { RefreshLoop } from '../../src/ui/live/refresh-loop.js';
import { readLogTail } from '../../src/ui/log-tail.js';
import { chartNumber, experimentSummary, seriesOf, trialSummary } from '../../src/ui/summaries.js';
import { formatDuration, formatNumber, formatSeconds } from '../../src/ui/web/format.js';
import { compareTrials, compileFilter } from '../../src/ui/web/trial-filter.js';
import type { TrialSummary } from '../../src/ui/wire.js';
import { settle } from '../support/fixtures.js';
import { trainingExperiment } from './seed.js';

describe('chartNumber', () => {
  for (const [text, expected] of [
    ['0.5', 0.5],
    ['-1e-3', -0.001],
    ['3', 3],
    ['unavailable', null],
    ['NaN', null],
    ['inf', null],
    ['', null],
    [' 1', null],
  ] as const) {
    it(`${JSON.stringify(text)} -> ${expected}`, () => assert.equal(chartNumber(text), expected));
  }
});

describe('summaries', () => {
  it('an experiment without status reads as Created with zero counts', () => {
    const s = experimentSummary(trainingExperiment('e'));
    assert.equal(s.state, 'Created');
    assert.equal(s.trials, 0);
    assert.equal(s.bestValue, undefined);
    assert.equal(s.maxTrialCount, 1000);
  });

  it("a trial's objective follows the metric strategy; missing parameters are empty", () => {
    const spec = trainingExperiment('e', {
      objective: {
        type: 'maximize',
        objectiveMetricName: 'accuracy',
        metricStrategies: [{ name: 'accuracy', value: 'latest' }],
      },
    }).spec;
    const t = trialSummary(
      {
        name: 't',
        experimentName: 'e',
        parameterAssignments: [{ name: 'layers', value: '3' }],
        labels: {},
        conditions: [],
        observation: { metrics: [{ name: 'accuracy', min: '0.1', max: '0.9', latest: '0.7' }] },
      },
      spec,
    );
    assert.equal(t.state, 'Created');
    assert.deepEqual(t.params, ['', '3', '', '']);
    assert.equal(t.objective, 0.7);
    assert.deepEqual(t.metrics, { accuracy: '0.7' });
  });

  it('series: one column pair per metric, times in ms, non-numbers null', () => {
    assert.deepEqual(
      seriesOf([
        { time: 1_000_500, name: 'loss', value: '1' },
        { time: 2_000_000, name: 'acc', value: 'unavailable' },
        { time: 3_000_000, name: 'loss', value: '0.5' },
      ]),
      { loss: { t: [1000.5, 3000], v: [1, 0.5] }, acc: { t: [2000], v: [null] } },
    );
  });
});

describe('trials filter', () => {
  const fields = { parameters: ['lr', 'optimizer'], metrics: ['loss', 'accuracy'] };
  const trial = (
    name: string,
    state: TrialSummary['state'],
    lr: string,
    optimizer: string,
    objective: number | null,
  ): TrialSummary => ({
    name,
    state,
    reason: '',
    params: [lr, optimizer],
    objective,
    metrics: objective === null ? {} : { loss: String(objective), accuracy: '0.9' },
  });
  const trials = [
    trial('a-1', 'Succeeded', '0.01', 'adam', 0.3),
    trial('a-2', 'Failed', '0.1', 'sgd', null),
    trial('a-3', 'Succeeded', '0.001', 'sgd', 0.2),
    { ...trial('a-4', 'Running', '0.05', 'adam', null), current: { value: 0.25, time: 0 } },
  ];
  const names = (text: string) => trials.filter(compileFilter(text, fields).test).map((t) => t.name);
  for (const [text, expected] of [
    ['', ['a-1', 'a-2', 'a-3', 'a-4']],
    ['adam', ['a-1', 'a-4']],
    ['ADAM', ['a-1', 'a-4']],
    ['lr>0.01', ['a-2', 'a-4']],
    ['lr >= 0.01', ['a-1', 'a-2', 'a-4']],
    ['state=succeeded', ['a-1', 'a-3']],
    ['state!=Succeeded optimizer=adam', ['a-4']],
    ['objective<0.28', ['a-3', 'a-4']],
    ['loss<1', ['a-1', 'a-3']],
    ['loss!=0.3', ['a-2', 'a-3', 'a-4']],
    ['name=a-2', ['a-2']],
  ] as const) {
    it(`${JSON.stringify(text)} keeps ${expected.join(', ')}`, () => assert.deepEqual(names(text), expected));
  }
  it('names an unknown field and ignores that word', () => {
    const f = compileFilter('bogus>1 adam', fields);
    assert.match(
      f.error!,
      /unknown field "bogus"; fields: name, state, objective, lr, optimizer, loss, accuracy/,
    );
    assert.deepEqual(
      trials.filter(f.test).map((t) => t.name),
      ['a-1', 'a-4'],
    );
  });
  it('sorts numbers as numbers, empty values last in both directions', () => {
    const order = (key: string, descending: boolean) =>
      [...trials].sort((a, b) => compareTrials(a, b, key, descending)).map((t) => t.name);
    assert.deepEqual(order('p:0', false), ['a-3', 'a-1', 'a-4', 'a-2']);
    assert.deepEqual(order('objective', false), ['a-3', 'a-4', 'a-1', 'a-2']);
    assert.deepEqual(order('objective', true), ['a-1', 'a-4', 'a-3', 'a-2']);
    assert.deepEqual(order('m:loss', true), ['a-1', 'a-3', 'a-2', 'a-4']);
  });
});

describe('formatting', () => {
  for (const [value, text] of [
    [0.123456789, '0.123457'],
    [1234567, '1234570'],
    [0, '0'],
    [1e-7, '1.000e-7'],
    [Number.POSITIVE_INFINITY, '∞'],
    [null, ''],
  ] as const) {
    it(`formatNumber(${value}) = ${text}`, () => assert.equal(formatNumber(value), text));
  }
  it('durations', () => {
    assert.equal(formatSeconds(3.25), '3.3s');
    assert.equal(formatSeconds(185), '3m 05s');
    assert.equal(formatSeconds(3725), '1h 02m');
    assert.equal(formatDuration('2026-01-01T00:00:00Z', '2026-01-01T00:01:30Z'), '1m 30s');
    assert.equal(formatDuration(undefined), '');
  });
});

describe('log tail', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'katib-tail-'));
  it('a missing file is null', async () => {
    assert.deepEqual(await readLogTail(path.join(dir, 'none.log'), 100), {
      text: null,
      size: 0,
      truncated: false,
    });
  });
  it('a short file comes whole', async () => {
    writeFileSync(path.join(dir, 'a.log'), 'one\ntwo\n');
    assert.deepEqual(await readLogTail(path.join(dir, 'a.log'), 100), {
      text: 'one\ntwo\n',
      size: 8,
      truncated: false,
    });
  });
  it('a long one is cut at a line start, never inside a character', async () => {
    writeFileSync(path.join(dir, 'b.log'), 'ééééé\nsecond line\nthird\n');
    const tail = await readLogTail(path.join(dir, 'b.log'), 16);
    assert.deepEqual(tail, { text: 'third\n', size: 29, truncated: true });
  });
});

describe('refresh loop', () => {
  it('coalesces a burst of pokes, runs one at a time, and survives a failing run', async (t) => {
    // The loop's timers are mocked: its 200 ms gap and its interval pass by tick(), not by sleeping.
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let runs = 0;
    let inside = 0;
    let overlapped = false;
    const errors: unknown[] = [];
    const loop = new RefreshLoop(
      async () => {
        runs++;
        inside++;
        overlapped ||= inside > 1;
        await settle(2);
        inside--;
        if (runs === 2) throw new Error('database away');
      },
      60_000,
      (err) => errors.push(err),
    );
    await loop.start();
    for (let i = 0; i < 50; i++) loop.poke();
    t.mock.timers.tick(300);
    await settle();
    assert.equal(runs, 2, 'the burst became one more run');
    assert.equal(errors.length, 1);
    loop.poke();
    t.mock.timers.tick(300);
    await settle();
    assert.equal(runs, 3, 'still running after the failure');
    assert.equal(overlapped, false);
    t.mock.timers.tick(60_000);
    await settle();
    assert.equal(runs, 4, 'and every interval without pokes');
    loop.stop();
    t.mock.timers.tick(120_000);
    await settle();
    assert.equal(runs, 4, 'not after stop');
  });
});
