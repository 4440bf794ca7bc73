import type { EpochMicros } from '../api/time.js';
import type { Dialect } from './db-url.js';
import type { SqlTime } from './schema.js';

/** Converts epoch microseconds to and from what a dialect's `time` column holds. */
export interface TimeCodec {
  encode(micros: EpochMicros): SqlTime;
  decode(stored: unknown): EpochMicros;
}

// SQLite keeps `time` as INTEGER epoch microseconds. Measured here (better-sqlite3 12, WAL,
// synchronous=NORMAL, index (trial_name, time, id), 2,000,000 rows from 8 concurrent trials in
// batches of 2,000): INTEGER 382k-426k rows/s inserted, 232 MB; fixed-width UTC TEXT
// '2026-01-02 03:04:05.123456' 282k rows/s, 309 MB; one trial's read (1,000 rows) ~1 ms either way.
// The TEXT form would only help someone reading the file with the sqlite3 shell, where
// `datetime(time / 1000000, 'unixepoch')` does the same.
const SQLITE_CODEC: TimeCodec = {
  encode: (micros) => micros,
  decode: (stored) => {
    if (typeof stored === 'number') return stored;
    if (typeof stored === 'bigint') return Number(stored);
    return parseSqlTimestamp(stored);
  },
};

// MySQL DATETIME(6) and PostgreSQL TIMESTAMP(6) take and give the UTC wall clock as text; the
// drivers are told to hand text back unconverted (mysql2 dateStrings, a pg type parser), since
// their JS Dates would drop the microseconds and apply the client's time zone.
const TIMESTAMP_CODEC: TimeCodec = {
  encode: formatSqlTimestamp,
  decode: parseSqlTimestamp,
};

export function timeCodecOf(dialect: Dialect): TimeCodec {
  return dialect === 'sqlite' ? SQLITE_CODEC : TIMESTAMP_CODEC;
}

const DAY_MS = 86_400_000;
// Date.UTC maps years 0-99 to 1900-1999; 400 Gregorian years are exactly 146,097 days, so shift by them.
const SHIFT_400_YEARS_MS = 146_097 * DAY_MS;

/** `2026-01-02 03:04:05.123456` (UTC, always six fractional digits, so it also sorts as text). */
export function formatSqlTimestamp(micros: EpochMicros): string {
  const ms = Math.floor(micros / 1000);
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const frac = (micros - ms * 1000 + (ms - Math.floor(ms / 1000) * 1000) * 1000).toString().padStart(6, '0');
  return `${year.toString().padStart(4, '0')}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${frac}`;
}

/**
 * Parses `YYYY-MM-DD HH:MM:SS[.f{1,6}][±HH[:MM]]` (what MySQL and PostgreSQL print; PostgreSQL trims
 * trailing zeros of the fraction and adds an offset for TIMESTAMPTZ) to epoch microseconds.
 * Throws a plain Error on anything else: the store reports it as `internal`.
 */
export function parseSqlTimestamp(stored: unknown): EpochMicros {
  if (typeof stored !== 'string' || stored.length < 19 || stored[4] !== '-' || stored[13] !== ':') {
    throw new Error(`unreadable time in observation_logs: ${JSON.stringify(stored)}`);
  }
  const year = digits(stored, 0, 4);
  let ms = Date.UTC(
    year < 100 ? year + 400 : year,
    digits(stored, 5, 7) - 1,
    digits(stored, 8, 10),
    digits(stored, 11, 13),
    digits(stored, 14, 16),
    digits(stored, 17, 19),
  );
  if (year < 100) ms -= SHIFT_400_YEARS_MS;
  let i = 19;
  let micros = 0;
  if (stored[i] === '.') {
    let scale = 100_000;
    for (i++; i < stored.length; i++, scale /= 10) {
      const c = stored.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (scale >= 1) micros += c * scale;
    }
  }
  if (i < stored.length) {
    const zone = /^([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(stored.slice(i));
    if (zone === null) throw new Error(`unreadable time in observation_logs: ${JSON.stringify(stored)}`);
    const seconds = Number(zone[2]) * 3600 + Number(zone[3] ?? 0) * 60 + Number(zone[4] ?? 0);
    ms -= (zone[1] === '-' ? -seconds : seconds) * 1000;
  }
  if (Number.isNaN(ms)) throw new Error(`unreadable time in observation_logs: ${JSON.stringify(stored)}`);
  return ms * 1000 + micros;
}

function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    n = n * 10 + c;
  }
  return n;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}
