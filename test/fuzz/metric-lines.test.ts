/**
 * What trials print, fuzzed through the pull collectors' pieces: the line splitter (any bytes in
 * any chunks) and the TEXT (default and custom filters) and JSON line parsers (any lines). They
 * never throw, and only numbers become observations: finite ones, or an infinity the line
 * spelled out (`inf`, `Infinity`, as Go's ParseFloat reads them); never NaN, never a number too
 * large for a float64 (`1e999`), never text.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseMetricNumber } from '../../src/api/metric-value.js';
import type { MetricLog } from '../../src/api/observation.js';
import {
  createJsonParser,
  createTextParser,
  LineSplitter,
  type MetricLineParser,
  ParseProblems,
} from '../../src/collector/index.js';
import { fuzzParams } from './support.js';

const NAMES = ['loss', 'accuracy', 'val-acc', 'Validation-accuracy'];
const READ_AT = 1_700_000_000_000_000;
const SPELLED_INFINITY = /^[+-]?inf(inity)?$/i;

/** Numbers in every spelling, and things that look like numbers. */
const numberText = fc.oneof(
  fc.double().map(String),
  fc.integer().map(String),
  fc.constantFrom(
    'nan',
    'NaN',
    '-nan',
    'inf',
    '-Inf',
    '+Infinity',
    'infinite',
    '1e308',
    '1.8e308',
    '1e309',
    '-1e999',
    '1e-999',
    '4.9e-324',
    '-0',
    '0x1p3',
    '1_000',
    '1,5',
    '.',
    '-',
    '+.e5',
    '١٢٣',
    '1e',
    '٫5',
  ),
);

/** A line a trial could print: metric assignments amid noise, time stamps, JSON, junk. */
const line = fc.oneof(
  fc
    .array(
      fc.oneof(
        fc
          .tuple(
            fc.constantFrom(...NAMES, 'lr', 'epoch'),
            fc.constantFrom('=', ' = ', '=\t', ': ', ' is '),
            numberText,
          )
          .map(([n, eq, v]) => `${n}${eq}${v}`),
        fc.string({ maxLength: 10, unit: 'binary' }),
        fc.constantFrom(
          '2026-01-02T03:04:05.123456Z',
          '2026-13-01T00:00:00Z',
          '\r',
          '\u0000',
          '=',
          '==',
          'loss',
        ),
      ),
      { maxLength: 6 },
    )
    .map((parts) => parts.join(' ')),
  fc
    .dictionary(
      fc.oneof(fc.constantFrom(...NAMES, 'timestamp'), fc.string({ maxLength: 5 })),
      fc.oneof(
        numberText.map((t) => (Number.isNaN(Number(t)) ? JSON.stringify(t) : t)),
        numberText.map((t) => JSON.stringify(t)),
        fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
      ),
      { maxKeys: 5 },
    )
    .map(
      (entries) =>
        `{${Object.entries(entries)
          .map(([k, v]) => `${JSON.stringify(k)}:${v}`)
          .join(',')}}`,
    ),
  fc.string({ maxLength: 200, unit: 'binary' }),
  // Long lines, kept short enough for the custom filters: they run on a backtracking engine, and
  // `(\\w+):` costs O(n^2) on a long word (documented in compileMetricsFormat).
  fc.constantFrom(`${'loss='.repeat(2000)}1`, `${'a'.repeat(2000)} loss=1`, `{"loss": ${'['.repeat(3000)}}`),
);

const PARSERS: [string, () => MetricLineParser][] = [
  ['TEXT, default filter', () => createTextParser(NAMES)],
  [
    'TEXT, custom filters',
    () => createTextParser(NAMES, ['(\\w+):\\s*(\\S+)', '(?i)(loss|accuracy)\\s+is\\s+(.*)$']),
  ],
  ['JSON', () => createJsonParser(NAMES)],
];

/** Every observation: a wanted name, a number (finite, or an infinity spelled out), a whole time. */
function assertObservations(out: MetricLog[], lineText: string): void {
  for (const { name, value, time } of out) {
    assert.ok(NAMES.includes(name), `${name} from ${JSON.stringify(lineText)}`);
    const n = parseMetricNumber(value);
    assert.ok(
      n !== undefined && !Number.isNaN(n),
      `${JSON.stringify(value)} from ${JSON.stringify(lineText)}`,
    );
    assert.ok(Number.isFinite(n) || SPELLED_INFINITY.test(value), `${JSON.stringify(value)} is not finite`);
    assert.ok(Number.isSafeInteger(time), String(time));
  }
}

describe('metric line parsers under fuzzing', () => {
  for (const [name, make] of PARSERS) {
    it(`${name}: never throws; only numbers become observations`, () => {
      const parser = make();
      const problems = new ParseProblems();
      let points = 0;
      fc.assert(
        fc.property(line, (text) => {
          const out: MetricLog[] = [];
          parser.parse(text, READ_AT, out, problems);
          assertObservations(out, text);
          points += out.length;
        }),
        fuzzParams(2000),
      );
      assert.ok(points > 30, `only ${points} observations: the lines rarely carry metrics`);
      assert.ok(problems.examples.length <= 20);
    });
  }

  it('regression: a decimal past float64 (1e999) is not a number, as Go reads it; spelled infinities still are', () => {
    for (const text of ['1e999', '-1e309', '1.8e308', `${'9'.repeat(400)}`])
      assert.equal(parseMetricNumber(text), undefined, text);
    assert.equal(parseMetricNumber('1e308'), 1e308);
    assert.equal(parseMetricNumber('1e-999'), 0);
    assert.equal(parseMetricNumber('-inf'), Number.NEGATIVE_INFINITY);
    assert.equal(parseMetricNumber('Infinity'), Number.POSITIVE_INFINITY);
    const out: MetricLog[] = [];
    const problems = new ParseProblems();
    createTextParser(['loss']).parse('loss=1e999 loss=2', READ_AT, out, problems);
    createJsonParser(['loss']).parse('{"loss": "1e999"}', READ_AT, out, problems);
    createJsonParser(['loss']).parse('{"loss": 1e999}', READ_AT, out, problems);
    assert.deepEqual(out, [{ time: READ_AT, name: 'loss', value: '2' }]);
    assert.equal(problems.count, 3);
  });
});

/** The lines of `bytes` as the splitter's contract says: split on LF, CR dropped, cut at `max`. */
function referenceLines(bytes: Buffer, max: number): { line: string; truncated: boolean }[] {
  const out: { line: string; truncated: boolean }[] = [];
  let start = 0;
  for (;;) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl < 0 ? bytes.length : nl;
    if (nl < 0 && end === start) break;
    let segment = bytes.subarray(start, end);
    const truncated = segment.length > max;
    if (truncated) segment = segment.subarray(0, max);
    else if (segment.length > 0 && segment[segment.length - 1] === 0x0d) segment = segment.subarray(0, -1);
    out.push({ line: segment.toString('utf8'), truncated });
    if (nl < 0) break;
    start = nl + 1;
  }
  return out;
}

describe('LineSplitter under fuzzing', () => {
  it('gives the lines of the whole stream however it is cut into chunks; never more than maxLineBytes', () => {
    const chunked = fc.tuple(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc.string({ maxLength: 100, unit: 'grapheme' }).map((s) => Uint8Array.from(Buffer.from(s))),
        fc
          .array(fc.constantFrom('loss=1\n', '\r\n', '\n', 'é', '😀', '\r', 'x'.repeat(40)), {
            maxLength: 30,
          })
          .map((parts) => Uint8Array.from(Buffer.from(parts.join('')))),
      ),
      fc.array(fc.nat(), { maxLength: 8 }),
      fc.integer({ min: 1, max: 64 }),
    );
    fc.assert(
      fc.property(chunked, ([data, cuts, max]) => {
        const bytes = Buffer.from(data);
        const got: { line: string; truncated: boolean }[] = [];
        const splitter = new LineSplitter((l, truncated, size) => {
          assert.ok(size <= max, `a line of ${size} bytes past ${max}`);
          got.push({ line: l, truncated });
        }, max);
        const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        let from = 0;
        for (const cut of [...at, bytes.length]) {
          // A fresh copy per chunk, overwritten after the push: the splitter must copy what it keeps.
          const chunk = Buffer.from(bytes.subarray(from, cut));
          splitter.push(chunk);
          chunk.fill(0x58);
          from = cut;
        }
        splitter.end();
        assert.deepEqual(got, referenceLines(bytes, max));
      }),
      fuzzParams(3000),
    );
  });
});
