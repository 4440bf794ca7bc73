import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng, seedFor } from '../../src/suggestion/index.js';

describe('seedFor', () => {
  const base = { algorithm: 'random', randomState: '42', historyLength: 3 };

  it('is equal for equal parts and differs when any part changes', () => {
    assert.equal(seedFor(base), seedFor({ ...base }));
    const variants = [
      seedFor(base),
      seedFor({ ...base, algorithm: 'tpe' }),
      seedFor({ ...base, randomState: '43' }),
      seedFor({ ...base, randomState: undefined }),
      seedFor({ ...base, historyLength: 4 }),
      seedFor({ ...base, stream: 1 }),
    ];
    assert.equal(new Set(variants).size, variants.length);
  });

  it('reads random_state as a number: "007" is 7, huge values work', () => {
    assert.equal(seedFor({ ...base, randomState: '007' }), seedFor({ ...base, randomState: '7' }));
    assert.ok(Number.isInteger(seedFor({ ...base, randomState: '123456789012345678901234567890' })));
  });

  it('gives distinct seeds along a growing history', () => {
    const seeds = new Set(Array.from({ length: 10_000 }, (_, n) => seedFor({ ...base, historyLength: n })));
    assert.equal(seeds.size, 10_000);
  });
});

describe('Rng', () => {
  it('repeats its sequence for a seed', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    const draw = (r: Rng) => [r.float(), r.int(-3, 3), r.normal(), r.pick(['x', 'y', 'z'])];
    assert.deepEqual(draw(a), draw(b));
    assert.notDeepEqual(draw(new Rng(6)), draw(new Rng(5)));
  });

  it('keeps float in [0, 1) and int inside its bounds, also for huge ranges', () => {
    const r = new Rng(1);
    for (let i = 0; i < 10_000; i++) {
      const f = r.float();
      assert.ok(f >= 0 && f < 1);
      const n = r.int(-2, 2);
      assert.ok(Number.isInteger(n) && n >= -2 && n <= 2);
      const big = r.int(0, 2 ** 50);
      assert.ok(Number.isSafeInteger(big) && big >= 0 && big <= 2 ** 50);
    }
  });
});
