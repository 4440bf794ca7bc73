import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import type { Trial } from '../../src/api/trial.js';
import { createStudy, getSuggester, Rng } from '../../src/suggestion/index.js';
import { SOBOL_MAX_DIMENSIONS, SobolSequence } from '../../src/suggestion/sobol/index.js';
import { categorical, double, int, makeExperiment, makeTrial } from './fixtures.js';

/** The unscrambled Sobol sequence's first points in 8 dimensions (Joe & Kuo directions). */
const KNOWN_FIRST_POINTS = [
  [0, 0, 0, 0, 0, 0, 0, 0],
  [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
  [0.75, 0.25, 0.25, 0.25, 0.75, 0.75, 0.25, 0.75],
  [0.25, 0.75, 0.75, 0.75, 0.25, 0.25, 0.75, 0.25],
  [0.375, 0.375, 0.625, 0.875, 0.375, 0.125, 0.375, 0.875],
  [0.875, 0.875, 0.125, 0.375, 0.875, 0.625, 0.875, 0.375],
  [0.625, 0.125, 0.875, 0.625, 0.625, 0.875, 0.125, 0.125],
  [0.125, 0.625, 0.375, 0.125, 0.125, 0.375, 0.625, 0.625],
  [0.1875, 0.3125, 0.9375, 0.4375, 0.5625, 0.3125, 0.4375, 0.9375],
  [0.6875, 0.8125, 0.4375, 0.9375, 0.0625, 0.8125, 0.9375, 0.4375],
];

function points(sequence: SobolSequence, count: number, from = 0): number[][] {
  const out = new Float64Array(sequence.dimensions);
  return Array.from({ length: count }, (_, i) => {
    sequence.point(from + i, out);
    return [...out];
  });
}

describe('Sobol sequence', () => {
  it('starts with the known Sobol points (unscrambled)', () => {
    assert.deepEqual(points(new SobolSequence(8), KNOWN_FIRST_POINTS.length), KNOWN_FIRST_POINTS);
  });

  it('uses Joe & Kuo directions up to 64 dimensions (point 37 and 63 as scipy prints them)', () => {
    const [p37] = points(new SobolSequence(64), 1, 37);
    const [p63] = points(new SobolSequence(64), 1, 63);
    assert.equal(SOBOL_MAX_DIMENSIONS, 64);
    // Dimensions 40, 50 and 64 of the unscrambled points 37 and 63 (scipy.stats.qmc.Sobol).
    assert.deepEqual([p37![39], p37![49], p37![63]], [0.078125, 0.953125, 0.828125]);
    assert.deepEqual([p63![39], p63![49], p63![63]], [0.171875, 0.671875, 0.734375]);
  });

  it('scrambled: every dimension keeps one point per 1/2^k interval in the first 2^k points', () => {
    const sequence = new SobolSequence(10, new Rng(42));
    const first = points(sequence, 64);
    for (let d = 0; d < 10; d++) {
      const cells = new Set(first.map((p) => Math.floor(p[d]! * 64)));
      assert.equal(cells.size, 64, `dimension ${d}`);
    }
    assert.notDeepEqual(first[0], new Array(10).fill(0), 'does not start at the corner');
    assert.notDeepEqual(points(new SobolSequence(10, new Rng(43)), 4), first.slice(0, 4));
  });

  it('refuses dimensions and indices beyond the table', () => {
    assert.throws(() => new SobolSequence(65), RangeError);
    assert.throws(() => new SobolSequence(2).point(2 ** 32, new Float64Array(2)), RangeError);
  });
});

describe('sobol suggester', () => {
  const space = [double('x', '-5', '5'), double('y', '0.001', '10', { distribution: 'logUniform' })];

  it('is stateless: with n trials it hands out the sequence from point n', () => {
    const experiment = makeExperiment(space, { algorithm: 'sobol' });
    const sobol = getSuggester('sobol');
    const four = sobol.suggest({ experiment, trials: [], count: 4 });
    const trials = four.slice(0, 2).map((s, i) => makeTrial(i, s.assignments));
    assert.deepEqual(sobol.suggest({ experiment, trials, count: 2 }), four.slice(2));
  });

  it('random_state picks the scramble', () => {
    const exp = (seed: string) =>
      makeExperiment(space, { algorithm: 'sobol', settings: [{ name: 'random_state', value: seed }] });
    const a = getSuggester('sobol').suggest({ experiment: exp('1'), trials: [], count: 3 });
    assert.deepEqual(getSuggester('sobol').suggest({ experiment: exp('1'), trials: [], count: 3 }), a);
    assert.notDeepEqual(getSuggester('sobol').suggest({ experiment: exp('2'), trials: [], count: 3 }), a);
  });

  it('hands out every point of a finite space once, then nothing', () => {
    const experiment = makeExperiment([int('a', '1', '3'), categorical('b', ['p', 'q'])], {
      algorithm: 'sobol',
    });
    const trials: Trial[] = [];
    for (let round = 0; round < 4; round++) {
      for (const s of getSuggester('sobol').suggest({ experiment, trials, count: 2 })) {
        trials.push(makeTrial(trials.length, s.assignments));
      }
    }
    assert.equal(trials.length, 6);
    assert.equal(new Set(trials.map((t) => JSON.stringify(t.parameterAssignments))).size, 6);
    assert.deepEqual(getSuggester('sobol').suggest({ experiment, trials, count: 1 }), []);
  });

  it('beats random search on a 3-D sphere (median of 9 seeds, 64 trials)', () => {
    const sphere = ['x', 'y', 'z'].map((n) => double(n, '-5', '5'));
    const best = (algorithm: string, seed: number) => {
      const study = createStudy({
        parameters: sphere,
        algorithm: { name: algorithm, settings: { random_state: seed } },
      });
      for (let i = 0; i < 64; i++) {
        const [t] = study.ask();
        const v = t!.values;
        study.tell(t!, (v.x as number) ** 2 + (v.y as number) ** 2 + (v.z as number) ** 2);
      }
      return study.best()!.value;
    };
    const median = (algorithm: string) =>
      [1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => best(algorithm, s)).sort((a, b) => a - b)[4]!;
    const sobol = median('sobol');
    const random = median('random');
    assert.ok(sobol < random * 0.8, `sobol ${sobol} vs random ${random}`);
  });

  it('refuses more parameters than the direction table covers, and unknown settings', () => {
    const many = Array.from({ length: 65 }, (_, i) => double(`p${i}`, '0', '1'));
    const check = (experiment: ReturnType<typeof makeExperiment>, fragment: string) =>
      assert.throws(
        () => getSuggester('sobol').validateSettings(experiment),
        (err: unknown) =>
          err instanceof KatibError && err.code === 'invalid_argument' && err.message.includes(fragment),
      );
    check(makeExperiment(many, { algorithm: 'sobol' }), 'more than sobol supports (at most 64)');
    check(
      makeExperiment(space, { algorithm: 'sobol', settings: [{ name: 'scramble', value: 'false' }] }),
      '"scramble" is not a setting of algorithm sobol (known: random_state)',
    );
  });
});
