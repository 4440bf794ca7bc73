import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import type { ParameterSpec } from '../../src/api/experiment.js';
import { getSuggester, type Suggestion } from '../../src/suggestion/index.js';
import { assign, categorical, discrete, double, int, makeExperiment, makeTrial } from './fixtures.js';

const grid = () => getSuggester('grid');
const flat = (s: Suggestion[]) => s.map((x) => x.assignments.map((a) => `${a.name}=${a.value}`).join(' '));

function suggest(
  parameters: ParameterSpec[],
  count: number,
  history: Record<string, string>[] = [],
): string[] {
  const experiment = makeExperiment(parameters, { algorithm: 'grid' });
  const trials = history.map((h, i) => makeTrial(i, assign(h)));
  return flat(grid().suggest({ experiment, trials, count }));
}

function invalid(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof KatibError);
    assert.equal(err.code, 'invalid_argument');
    for (const f of fragments) assert.ok(err.message.includes(f), `message names ${f}: ${err.message}`);
    return true;
  });
}

const space = [int('a', '1', '3'), double('b', '0.1', '0.2', { step: '0.1' })]; // 6 points

describe('grid', () => {
  it('walks the cartesian product in spec order, last parameter fastest', () => {
    assert.deepEqual(suggest(space, 10), [
      'a=1 b=0.1',
      'a=1 b=0.2',
      'a=2 b=0.1',
      'a=2 b=0.2',
      'a=3 b=0.1',
      'a=3 b=0.2',
    ]);
  });

  it('uses int step (default 1), double step, and list order', () => {
    assert.deepEqual(suggest([int('n', '1', '10', { step: '3' })], 10), ['n=1', 'n=4', 'n=7', 'n=10']);
    assert.deepEqual(suggest([double('x', '0', '1', { step: '0.3' })], 10), [
      'x=0.0',
      'x=0.3',
      'x=0.6',
      'x=0.9',
    ]);
    assert.deepEqual(suggest([double('x', '0.1', '0.5', { step: '0.1', distribution: 'logUniform' })], 10), [
      'x=0.1',
      'x=0.2',
      'x=0.3',
      'x=0.4',
      'x=0.5',
    ]);
    assert.deepEqual(suggest([discrete('d', ['8', '0.50']), categorical('c', ['z', 'a'])], 10), [
      'd=8 c=z',
      'd=8 c=a',
      'd=0.50 c=z',
      'd=0.50 c=a',
    ]);
  });

  it('hands out the next unused points, then fewer, then none', () => {
    const first = suggest(space, 4);
    assert.equal(first.length, 4);
    const used = [
      { a: '1', b: '0.1' },
      { a: '1', b: '0.2' },
      { a: '2', b: '0.1' },
      { a: '2', b: '0.2' },
    ];
    assert.deepEqual(suggest(space, 4, used), ['a=3 b=0.1', 'a=3 b=0.2']);
    assert.deepEqual(suggest(space, 4, [...used, { a: '3', b: '0.1' }, { a: '3', b: '0.2' }]), []);
  });

  it('skips points of a partly-run history, whatever its order and spelling', () => {
    const history = [
      { b: '0.20', a: '2' },
      { a: '1', b: '0.1' },
      { a: '7', b: '0.5' }, // not a point of this grid: ignored
    ];
    assert.deepEqual(suggest(space, 10, history), ['a=1 b=0.2', 'a=2 b=0.1', 'a=3 b=0.1', 'a=3 b=0.2']);
  });

  it('answers equal requests equally (a restart asks again and gets no duplicates)', () => {
    const history = [{ a: '1', b: '0.1' }];
    assert.deepEqual(suggest(space, 2, history), suggest(space, 2, history));
    const next = suggest(space, 2, history);
    assert.ok(!next.includes('a=1 b=0.1'));
  });

  describe('validateSettings', () => {
    it('requires a step on every double parameter, naming it', () => {
      const parameters = [
        int('a', '1', '3'),
        double('lr', '0.1', '0.2'),
        double('m', '0', '1', { step: '' }),
      ];
      const experiment = makeExperiment(parameters, { algorithm: 'grid' });
      const expected = [
        'spec.parameters[1].feasibleSpace.step: undefined is required: grid needs step for double parameters (parameter lr)',
        'spec.parameters[2].feasibleSpace.step: "" is required: grid needs step for double parameters (parameter m)',
      ];
      invalid(() => grid().validateSettings(experiment), ...expected);
      invalid(() => grid().suggest({ experiment, trials: [], count: 1 }), ...expected);
    });

    it('is invalid when maxTrialCount exceeds the number of grid points', () => {
      grid().validateSettings(makeExperiment(space, { algorithm: 'grid', maxTrialCount: 6 }));
      grid().validateSettings(makeExperiment(space, { algorithm: 'grid' }));
      invalid(
        () => grid().validateSettings(makeExperiment(space, { algorithm: 'grid', maxTrialCount: 7 })),
        'spec.maxTrialCount: 7 exceeds the 6 points of the grid',
      );
    });

    it('takes random_state only, and reports every bad setting at once', () => {
      grid().validateSettings(
        makeExperiment(space, { algorithm: 'grid', settings: [{ name: 'random_state', value: '3' }] }),
      );
      const experiment = makeExperiment([double('lr', '0', '1')], {
        algorithm: 'grid',
        settings: [
          { name: 'random_state', value: 'x' },
          { name: 'shuffle', value: 'true' },
        ],
      });
      invalid(
        () => grid().validateSettings(experiment),
        'spec.algorithm.algorithmSettings[0].value: "x" is not a valid random_state',
        'spec.algorithm.algorithmSettings[1].name: "shuffle" is not a setting of algorithm grid (known: random_state)',
        'parameter lr',
      );
    });
  });
});
