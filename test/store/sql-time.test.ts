import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseRfc3339 } from '../../src/api/time.js';
import { formatSqlTimestamp, parseSqlTimestamp } from '../../src/store/sql-time.js';

const at = (rfc3339: string) => parseRfc3339(rfc3339, 'time');

describe('SQL timestamp text', () => {
  it('formats UTC with six fractional digits', () => {
    assert.equal(formatSqlTimestamp(at('2026-01-02T03:04:05.123456Z')), '2026-01-02 03:04:05.123456');
    assert.equal(formatSqlTimestamp(at('1970-01-01T00:00:00Z')), '1970-01-01 00:00:00.000000');
    assert.equal(formatSqlTimestamp(at('1969-12-31T23:59:59.999999Z')), '1969-12-31 23:59:59.999999');
    assert.equal(formatSqlTimestamp(at('2255-06-05T23:47:34.740991Z')), '2255-06-05 23:47:34.740991');
  });

  const texts: [string, string][] = [
    ['2026-01-02 03:04:05.123456', '2026-01-02T03:04:05.123456Z'], // MySQL DATETIME(6)
    ['2026-01-02 03:04:05.1', '2026-01-02T03:04:05.1Z'], // PostgreSQL trims trailing zeros
    ['2026-01-02 03:04:05', '2026-01-02T03:04:05Z'], // no fraction (DATETIME without fsp)
    ['2026-01-02 03:04:05.123456+00', '2026-01-02T03:04:05.123456Z'], // TIMESTAMPTZ in a UTC session
    ['2026-01-02 08:49:05.5+05:45', '2026-01-02T03:04:05.5Z'],
    ['2026-01-01 22:04:05-05', '2026-01-02T03:04:05Z'],
    ['2026-01-02 03:04:05.1234567', '2026-01-02T03:04:05.123456Z'], // digits past the sixth dropped
  ];
  for (const [text, rfc] of texts) {
    it(`reads ${text}`, () => assert.equal(parseSqlTimestamp(text), at(rfc)));
  }

  for (const bad of [
    null,
    42,
    '',
    '2026-01-02',
    '2026/01/02 03:04:05',
    '2026-01-02 03:04:05 UTC',
    '2026-0x-02 03:04:05',
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () =>
      assert.throws(() => parseSqlTimestamp(bad), /unreadable time in observation_logs/));
  }

  it('round-trips every microsecond a JS number holds exactly (years 1700 to 2255)', () => {
    const min = at('1700-01-01T00:00:00Z');
    const max = at('2255-01-01T00:00:00Z');
    fc.assert(
      fc.property(
        fc.integer({ min, max }),
        (micros) => parseSqlTimestamp(formatSqlTimestamp(micros)) === micros,
      ),
      { numRuns: 20_000 },
    );
  });
});
