import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import type { Setting } from '../../src/api/experiment.js';
import { getSuggester, type Suggestion } from '../../src/suggestion/index.js';
import { assign, categorical, discrete, double, int, makeExperiment, makeTrial } from './fixtures.js';

const random = () => getSuggester('random');
const key = (a: Setting[]) => JSON.stringify([...a].sort((x, y) => x.name.localeCompare(y.name)));
const keys = (s: Suggestion[]) => s.map((x) => key(x.assignments));
const continuous = [double('lr', '0.0001', '0.1', { distribution: 'logUniform' }), int('layers', '1', '4')];
// 3 x 2 x 2 = 12 points
const finite = [int('a', '1', '3'), categorical('b', ['x', 'y']), discrete('c', ['0.5', '1'])];

function invalid(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof KatibError);
    assert.equal(err.code, 'invalid_argument');
    for (const f of fragments) assert.ok(err.message.includes(f), `message names ${f}: ${err.message}`);
    return true;
  });
}

describe('random', () => {
  it('gives exactly count suggestions on an infinite space', () => {
    const experiment = makeExperiment(continuous);
    assert.equal(random().suggest({ experiment, trials: [], count: 50 }).length, 50);
  });

  it('is reproducible per random_state and differs between random_states', () => {
    const exp = (seed: string) =>
      makeExperiment(continuous, { settings: [{ name: 'random_state', value: seed }] });
    const a = random().suggest({ experiment: exp('1'), trials: [], count: 5 });
    assert.deepEqual(random().suggest({ experiment: exp('1'), trials: [], count: 5 }), a);
    assert.notDeepEqual(random().suggest({ experiment: exp('2'), trials: [], count: 5 }), a);
    assert.notDeepEqual(
      random().suggest({ experiment: makeExperiment(continuous), trials: [], count: 5 }),
      a,
    );
  });

  it('does not repeat draws as the history grows', () => {
    const experiment = makeExperiment(continuous);
    const first = random().suggest({ experiment, trials: [], count: 3 });
    const trials = first.map((s, i) => makeTrial(i, s.assignments));
    const second = random().suggest({ experiment, trials, count: 3 });
    const lrs = [...first, ...second].map((s) => s.assignments.find((a) => a.name === 'lr')!.value);
    assert.equal(new Set(lrs).size, 6);
  });

  it('hands out every point of a finite space once, then nothing', () => {
    const experiment = makeExperiment(finite);
    const all = random().suggest({ experiment, trials: [], count: 100 });
    assert.equal(all.length, 12);
    assert.equal(new Set(keys(all)).size, 12);
    const trials = all.map((s, i) => makeTrial(i, s.assignments));
    assert.deepEqual(random().suggest({ experiment, trials, count: 5 }), []);
  });

  it('never suggests a point of a partly-run history', () => {
    const experiment = makeExperiment(finite);
    const history = [
      assign({ a: '1', b: 'x', c: '0.5' }),
      assign({ a: '2', b: 'y', c: '1' }),
      assign({ c: '1.0', b: 'x', a: '3' }), // other spelling and order of a point
      assign({ a: '3', b: 'y', c: '0.50' }),
      assign({ a: '1', b: 'y', c: '1' }),
    ];
    const trials = history.map((a, i) => makeTrial(i, a));
    const tried = new Set(
      [
        { a: '1', b: 'x', c: '0.5' },
        { a: '2', b: 'y', c: '1' },
        { a: '3', b: 'x', c: '1' },
        { a: '3', b: 'y', c: '0.5' },
        { a: '1', b: 'y', c: '1' },
      ].map((v) => key(assign(v))),
    );
    for (const count of [1, 3, 7, 20]) {
      const got = random().suggest({ experiment, trials, count });
      assert.equal(got.length, Math.min(count, 7));
      assert.equal(new Set(keys(got)).size, got.length, 'no duplicates within one answer');
      for (const k of keys(got)) assert.ok(!tried.has(k), `${k} was already tried`);
    }
  });

  it('ignores history assignments that do not fit the space', () => {
    const experiment = makeExperiment(finite);
    const trials = [makeTrial(0, assign({ a: '99', b: 'q' }))];
    assert.equal(random().suggest({ experiment, trials, count: 20 }).length, 12);
  });

  it('draws each parameter independently and uniformly', () => {
    const experiment = makeExperiment([int('k', '1', '4'), double('x', '0', '1')]);
    const got = random().suggest({ experiment, trials: [], count: 2000 });
    const counts = new Map<string, number>();
    for (const s of got) counts.set(s.assignments[0]!.value, (counts.get(s.assignments[0]!.value) ?? 0) + 1);
    assert.deepEqual([...counts.keys()].sort(), ['1', '2', '3', '4']);
    for (const n of counts.values()) assert.ok(n > 400 && n < 600, `count ${n}`);
  });

  it('rejects a bad count', () => {
    const experiment = makeExperiment(continuous);
    invalid(() => random().suggest({ experiment, trials: [], count: -1 }), 'count: -1');
    invalid(() => random().suggest({ experiment, trials: [], count: 1.5 }), 'count: 1.5');
  });

  describe('validateSettings', () => {
    for (const value of ['0', '42', '123456789012345678901234567890']) {
      it(`accepts random_state ${value}`, () => {
        random().validateSettings(
          makeExperiment(continuous, { settings: [{ name: 'random_state', value }] }),
        );
      });
    }
    for (const value of ['-1', '1.5', 'abc', '']) {
      it(`rejects random_state ${JSON.stringify(value)}`, () => {
        const experiment = makeExperiment(continuous, { settings: [{ name: 'random_state', value }] });
        invalid(
          () => random().validateSettings(experiment),
          `spec.algorithm.algorithmSettings[0].value: ${JSON.stringify(value)} is not a valid random_state: must be a non-negative integer`,
        );
      });
    }

    it('reports every bad setting and parameter in one error', () => {
      const experiment = makeExperiment([int('x', '5', '1')], {
        settings: [
          { name: 'seed', value: '1' },
          { name: 'random_state', value: '-3' },
          { name: 'random_state', value: '4' },
        ],
      });
      invalid(
        () => random().validateSettings(experiment),
        'spec.algorithm.algorithmSettings[0].name: "seed" is not a setting of algorithm random (known: random_state)',
        'spec.algorithm.algorithmSettings[1].value: "-3"',
        'spec.algorithm.algorithmSettings[2].name: "random_state" is set more than once',
        'spec.parameters[0].feasibleSpace.max: "1" must not be below min',
      );
      invalid(() => random().suggest({ experiment, trials: [], count: 1 }), '"seed"');
    });
  });
});
