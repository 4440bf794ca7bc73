import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { KatibError } from '../../src/api/errors.js';
import type { ParameterSpec } from '../../src/api/experiment.js';
import {
  assignmentsKey,
  buildSearchSpace,
  formatDouble,
  formatValue,
  fromUnit,
  type Param,
  parseAssignments,
  parseValue,
  pointAt,
  Rng,
  sampleValue,
  snap,
  toAssignments,
  toUnit,
  valueAt,
} from '../../src/suggestion/index.js';
import { assign, categorical, discrete, double, int } from './fixtures.js';

function only(spec: ParameterSpec): Param {
  return buildSearchSpace([spec]).params[0]!;
}

function stepValues(param: Param): string[] {
  return Array.from({ length: param.count }, (_, k) => formatValue(param, valueAt(param, k)));
}

function invalid(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof KatibError, 'a KatibError');
    assert.equal(err.code, 'invalid_argument');
    for (const f of fragments) assert.ok(err.message.includes(f), `message names ${f}: ${err.message}`);
    return true;
  });
}

describe('buildSearchSpace', () => {
  it('types every parameter kind with Katib defaults', () => {
    const space = buildSearchSpace([
      int('a', '1', '10'),
      double('b', '0.001', '1', { distribution: 'logUniform' }),
      discrete('c', ['3', '1.5', '2']),
      categorical('d', ['x', 'y']),
    ]);
    const [a, b, c, d] = space.params;
    assert.deepEqual(a, {
      kind: 'int',
      name: 'a',
      min: 1,
      max: 10,
      step: 1,
      distribution: 'uniform',
      count: 10,
    });
    assert.deepEqual(b, {
      kind: 'double',
      name: 'b',
      min: 0.001,
      max: 1,
      distribution: 'logUniform',
      count: Infinity,
    });
    assert.equal(c?.kind, 'discrete');
    assert.deepEqual(c?.kind === 'discrete' && c.ascending, [1, 2, 0]);
    assert.deepEqual(d, { kind: 'categorical', name: 'd', list: ['x', 'y'], count: 2 });
    assert.equal(space.size, Infinity);
    assert.equal(
      buildSearchSpace([int('a', '1', '10', { step: '3' }), categorical('d', ['x', 'y'])]).size,
      8,
    );
  });

  it('treats empty strings as absent, as Katib protobuf does', () => {
    const p = only({ name: 'x', parameterType: 'double', feasibleSpace: { min: '0', max: '1', step: '' } });
    assert.equal(p.kind === 'double' && p.step, undefined);
  });

  it('counts a double with min == max as one point', () => {
    assert.equal(only(double('x', '2', '2')).count, 1);
  });

  it('reports every bad field at once', () => {
    invalid(
      () =>
        buildSearchSpace([
          int('a', '10', '1'),
          int('b', '1.5', '4'),
          double('c', 'abc', '1'),
          double('d', '0', '1', { step: '-0.1' }),
          double('e', '0', '1', { distribution: 'logUniform' }),
          discrete('f', ['1', 'two']),
          categorical('g', []),
          categorical('g', ['x', 'x']),
          { name: 'h', parameterType: 'matrix' as 'int', feasibleSpace: {} },
          { name: 'i', parameterType: 'int', feasibleSpace: { max: '3' } },
        ]),
      'spec.parameters[0].feasibleSpace.max: "1" must not be below min',
      'spec.parameters[1].feasibleSpace.min: "1.5" must be an integer',
      'spec.parameters[2].feasibleSpace.min: "abc" must be a finite decimal number',
      'spec.parameters[3].feasibleSpace.step: "-0.1" must be greater than 0',
      'spec.parameters[4].feasibleSpace.min: "0" must be greater than 0 for the logUniform distribution',
      'spec.parameters[5].feasibleSpace.list[1]: "two"',
      'spec.parameters[6].feasibleSpace.list: [] must list at least one value',
      'spec.parameters[7].name: "g" is used by an earlier parameter',
      'spec.parameters[7].feasibleSpace.list[1]: "x" repeats',
      'spec.parameters[8].parameterType: "matrix"',
      'spec.parameters[9].feasibleSpace.min: undefined is required',
    );
    invalid(() => buildSearchSpace([]), 'spec.parameters: [] must list at least one parameter');
  });
});

describe('formatDouble prints doubles as Katib (Python str of a float)', () => {
  const table: [number, string][] = [
    [0.1, '0.1'],
    [1, '1.0'],
    [-2.5, '-2.5'],
    [0, '0.0'],
    [-0, '-0.0'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [123.456, '123.456'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e15, '1000000000000000.0'],
    [2 ** 53, '9007199254740992.0'],
    [1e16, '1e+16'],
    [1.2345678901234568e17, '1.2345678901234568e+17'],
    [1e22, '1e+22'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
  ];
  for (const [x, text] of table) it(`${x} -> ${text}`, () => assert.equal(formatDouble(x), text));

  it('reads back to the same double, for any double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = formatDouble(x);
        assert.ok(Object.is(Number(text), x), `${x} -> ${text}`);
        assert.match(text, /^-?(\d+\.\d+|\d(\.\d+)?e[+-]\d{2,3})$/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('step points, formatting and snapping', () => {
  it('prints double step points without binary noise', () => {
    assert.deepEqual(stepValues(only(double('x', '0.1', '0.5', { step: '0.1' }))), [
      '0.1',
      '0.2',
      '0.3',
      '0.4',
      '0.5',
    ]);
    assert.deepEqual(stepValues(only(double('x', '0', '1', { step: '0.3' }))), ['0.0', '0.3', '0.6', '0.9']);
    assert.deepEqual(stepValues(only(double('x', '1e-3', '3e-3', { step: '5e-4' }))), [
      '0.001',
      '0.0015',
      '0.002',
      '0.0025',
      '0.003',
    ]);
  });

  it('prints ints without a decimal point, discrete as written, categorical as given', () => {
    assert.deepEqual(stepValues(only(int('x', '-3', '3', { step: '3' }))), ['-3', '0', '3']);
    assert.deepEqual(stepValues(only(discrete('x', ['0.10', '1e1', '7']))), ['0.10', '1e1', '7']);
    assert.deepEqual(stepValues(only(categorical('x', ['a b', '1.0']))), ['a b', '1.0']);
  });

  it('snaps to the nearest feasible value', () => {
    const i = only(int('x', '1', '10', { step: '3' }));
    assert.deepEqual(
      [0, 2.4, 2.6, 8.4, 99].map((x) => snap(i, x)),
      [1, 1, 4, 7, 10],
    );
    const d = only(double('x', '0', '1', { step: '0.1' }));
    assert.equal(snap(d, 0.26), 0.3);
    assert.equal(snap(only(double('x', '0', '1')), 1.7), 1);
    assert.equal(snap(only(discrete('x', ['1', '10', '100'])), 30), 10);
  });

  it('orders the cartesian product with the last parameter fastest', () => {
    const space = buildSearchSpace([int('a', '1', '2'), categorical('b', ['x', 'y', 'z'])]);
    const points = Array.from({ length: space.size }, (_, i) => pointAt(space, i).join(''));
    assert.deepEqual(points, ['1x', '1y', '1z', '2x', '2y', '2z']);
  });
});

describe('unit cube', () => {
  const finite = [
    int('a', '1', '10', { step: '3' }),
    int('b', '1', '1000', { distribution: 'logUniform' }),
    double('c', '0.1', '0.5', { step: '0.1' }),
    double('d', '0.5', '64', { step: '0.5', distribution: 'logUniform' }),
    int('e', '0', '100', { step: '5', distribution: 'normal' }),
    discrete('f', ['3', '1', '2']),
    categorical('g', ['x', 'y', 'z']),
  ];
  for (const spec of finite) {
    it(`${spec.name} (${spec.parameterType}): fromUnit(toUnit(v)) === v for every point`, () => {
      const p = only(spec);
      for (let k = 0; k < p.count; k++) {
        const v = valueAt(p, k);
        const u = toUnit(p, v);
        assert.ok(u >= 0 && u <= 1, `u(${v}) = ${u}`);
        assert.equal(fromUnit(p, u), v);
      }
    });
  }

  it('is linear for uniform doubles and logarithmic for logUniform', () => {
    const lin = only(double('x', '-1', '3'));
    assert.equal(fromUnit(lin, 0), -1);
    assert.equal(fromUnit(lin, 1), 3);
    assert.equal(fromUnit(lin, 0.25), 0);
    assert.equal(toUnit(lin, 2), 0.75);
    const log = only(double('x', '1e-4', '1', { distribution: 'logUniform' }));
    assert.ok(Math.abs((fromUnit(log, 0.5) as number) - 1e-2) < 1e-12);
    assert.ok(Math.abs(toUnit(log, 1e-3) - 0.25) < 1e-12);
  });

  it('orders discrete values ascending, whatever the list order', () => {
    const p = only(discrete('x', ['3', '1', '2']));
    assert.deepEqual(
      [0.1, 0.5, 0.9].map((u) => fromUnit(p, u)),
      [1, 2, 3],
    );
  });

  it('clamps coordinates outside [0, 1]', () => {
    const p = only(int('x', '1', '5'));
    assert.equal(fromUnit(p, -3), 1);
    assert.equal(fromUnit(p, 7), 5);
  });
});

describe('sampling', () => {
  const numericSpec = fc
    .record({
      kind: fc.constantFrom('int', 'double'),
      lo: fc.integer({ min: -1000, max: 1000 }),
      span: fc.integer({ min: 0, max: 5000 }),
      step: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
      scale: fc.constantFrom(1, 0.001, 0.25),
      distribution: fc.constantFrom('uniform', 'logUniform', 'normal', 'logNormal'),
    })
    .map(({ kind, lo, span, step, scale, distribution }): ParameterSpec => {
      const log = distribution === 'logUniform' || distribution === 'logNormal';
      const s = kind === 'int' ? 1 : scale;
      const min = (log ? Math.abs(lo) + 1 : lo) * s;
      const fmt = (x: number) => (kind === 'int' ? String(x) : formatDouble(x));
      return {
        name: 'x',
        parameterType: kind as 'int' | 'double',
        feasibleSpace: {
          min: fmt(min),
          max: fmt(min + span * s),
          ...(step === undefined ? {} : { step: fmt(step * s) }),
          distribution: distribution as 'uniform',
        },
      };
    });

  it('every draw is feasible, on its step, and parses back to itself', () => {
    fc.assert(
      fc.property(numericSpec, fc.integer(), (spec, seed) => {
        const p = only(spec);
        const rng = new Rng(seed);
        for (let i = 0; i < 20; i++) {
          const text = formatValue(p, sampleValue(p, rng));
          const parsed = parseValue(p, text);
          assert.ok(
            'value' in parsed,
            `${JSON.stringify(spec.feasibleSpace)}: ${text} ${JSON.stringify(parsed)}`,
          );
          assert.equal(formatValue(p, parsed.value), text);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('normal: mean (min+max)/2, sigma (max-min)/6, clipped into [min, max]', () => {
    const p = only(double('x', '-1', '1', { distribution: 'normal' }));
    const rng = new Rng(7);
    const xs = Array.from({ length: 4000 }, () => sampleValue(p, rng) as number);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
    assert.ok(Math.abs(sd - 1 / 3) < 0.03, `sd ${sd}`);
    assert.ok(xs.every((x) => x >= -1 && x <= 1));
  });

  it('logNormal: median at the geometric middle of [min, max]', () => {
    const p = only(double('x', '0.001', '1', { distribution: 'logNormal' }));
    const rng = new Rng(11);
    const xs = Array.from({ length: 4000 }, () => sampleValue(p, rng) as number).sort((a, b) => a - b);
    const median = xs[xs.length / 2]!;
    assert.ok(Math.abs(Math.log10(median) + 1.5) < 0.1, `median ${median}`);
    assert.ok(xs.every((x) => x >= 0.001 && x <= 1));
  });

  it('uniform int: every step point about equally often', () => {
    const p = only(int('x', '1', '9', { step: '2' }));
    const rng = new Rng(3);
    const counts = new Map<number, number>();
    for (let i = 0; i < 5000; i++) {
      const v = sampleValue(p, rng) as number;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    assert.deepEqual(
      [...counts.keys()].sort((a, b) => a - b),
      [1, 3, 5, 7, 9],
    );
    for (const n of counts.values()) assert.ok(n > 850 && n < 1150, `count ${n}`);
  });
});

describe('parsing assignments', () => {
  const space = buildSearchSpace([
    int('a', '1', '10', { step: '3' }),
    double('b', '0', '1', { step: '0.1' }),
    discrete('c', ['0.10', '5']),
    categorical('d', ['x', 'y']),
  ]);

  it('reads every kind into typed values, accepting other spellings', () => {
    const point = parseAssignments(
      space,
      assign({ d: 'y', c: '0.1', b: '0.30', a: '4.0', extra: 'ignored' }),
      'f',
    );
    assert.deepEqual(point, [4, 0.3, 0.1, 'y']);
    assert.deepEqual(toAssignments(space, point), assign({ a: '4', b: '0.3', c: '0.10', d: 'y' }));
  });

  it('names every bad entry and every missing parameter', () => {
    invalid(
      () => parseAssignments(space, assign({ a: '5', b: '1.5', c: '7' }), 'trials[2].parameterAssignments'),
      'trials[2].parameterAssignments[0].value: "5" is not on the step 3 from 1 of parameter a',
      'trials[2].parameterAssignments[1].value: "1.5" is outside [0, 1] of parameter b',
      'trials[2].parameterAssignments[2].value: "7" is not in the list of parameter c',
      'trials[2].parameterAssignments: "d" is a parameter with no assignment',
    );
    invalid(
      () => parseAssignments(space, assign({ a: '2.5', b: 'x', c: '5', d: 'z' }), 'f'),
      'not an integer',
      'not a number',
    );
  });

  it('keys equal points equally, whatever the spelling', () => {
    assert.equal(
      assignmentsKey(space, assign({ a: '4', b: '0.30', c: '0.1', d: 'x' })),
      assignmentsKey(space, assign({ d: 'x', c: '0.10', b: '0.3', a: '4' })),
    );
    assert.notEqual(
      assignmentsKey(space, assign({ a: '4', b: '0.3', c: '0.1', d: 'x' })),
      assignmentsKey(space, assign({ a: '4', b: '0.3', c: '0.1', d: 'y' })),
    );
  });
});
