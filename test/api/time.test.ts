import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRfc3339, parseRfc3339, tryParseRfc3339 } from '../../src/api/time.js';

describe('RFC 3339 time stamps', () => {
  const cases: [string, string][] = [
    ['2026-01-02T03:04:05Z', '2026-01-02T03:04:05.000000Z'],
    ['2026-01-02T03:04:05.123456Z', '2026-01-02T03:04:05.123456Z'],
    ['2026-01-02T03:04:05.1234569Z', '2026-01-02T03:04:05.123456Z'],
    ['2026-01-02 03:04:05.5+02:00', '2026-01-02T01:04:05.500000Z'],
    ['2026-01-02t03:04:05-01:30', '2026-01-02T04:34:05.000000Z'],
    ['0042-03-04T05:06:07Z', '0042-03-04T05:06:07.000000Z'],
    // The edges of what the databases hold (years 0001 to 9999 UTC).
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000000Z'],
    ['0001-01-01T01:00:00+01:00', '0001-01-01T00:00:00.000000Z'],
    ['9999-12-31T23:59:59Z', '9999-12-31T23:59:59.000000Z'],
    ['9999-12-31T22:59:59-01:00', '9999-12-31T23:59:59.000000Z'],
  ];
  for (const [input, expected] of cases) {
    it(`${input} -> ${expected}`, () => assert.equal(formatRfc3339(parseRfc3339(input, 'f')), expected));
  }

  for (const bad of [
    '',
    'yesterday',
    '2026-01-02T03:04:05',
    '2026-02-30T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-01-02T24:00:00Z',
    // Outside years 0001-9999 UTC (PostgreSQL has no year 0; neither database prints year 10000),
    // also when the offset carries the time over the edge.
    '0000-01-01T00:00:00Z',
    '0001-01-01T00:30:00+01:00',
    '9999-12-31T23:30:00-01:00',
    // The last microsecond of 9999 is not an exact double: it would round into year 10000.
    '9999-12-31T23:59:59.999999Z',
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.equal(tryParseRfc3339(bad), undefined);
      assert.throws(
        () => parseRfc3339(bad, 'metric_logs[0].time_stamp'),
        /metric_logs\[0\]\.time_stamp: .* is not an RFC 3339 time stamp from year 0001 to 9999 UTC/,
      );
    });
  }
});
