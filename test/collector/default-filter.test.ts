import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_METRICS_FORMAT, matchDefaultFilter } from '../../src/collector/index.js';

function fast(line: string): [string, string][] {
  const out: [string, string][] = [];
  matchDefaultFilter(line, new RegExp(DEFAULT_METRICS_FORMAT, 'y'), (name, value) => out.push([name, value]));
  return out;
}

function slow(line: string): [string, string][] {
  return [...line.matchAll(new RegExp(DEFAULT_METRICS_FORMAT, 'g'))].map((m) => [m[1]!, m[2]!]);
}

describe('matchDefaultFilter finds what the default filter regex finds', () => {
  const table = [
    'loss=0.5',
    'epoch 1: loss=0.5 accuracy = 0.9',
    'a=1b=2',
    'a==5',
    'x = = 3',
    '= 5 a=',
    'lr=1e-3|val-acc=+.5E+2',
    'loss\u00a0=\u00a00.5',
    'name=-',
    '',
    '====',
  ];
  for (const line of table) test(JSON.stringify(line), () => assert.deepEqual(fast(line), slow(line)));

  test('random lines from a metric-like alphabet', () => {
    const char = fc.constantFrom(...'aZ_|-07.eE+= \t\u00a0:,é');
    fc.assert(
      fc.property(fc.array(char, { maxLength: 40 }), (chars) => {
        const line = chars.join('');
        assert.deepEqual(fast(line), slow(line));
      }),
      { numRuns: 5000 },
    );
  });
});
