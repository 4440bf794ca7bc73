import { invalidArgument } from './errors.js';

/**
 * Time stamps are carried inside katib-ts as integer microseconds since the Unix epoch (UTC):
 * Katib stores DATETIME(6), and 2^53 microseconds reach past the year 2255, so a JS number
 * holds them exactly.
 */
export type EpochMicros = number;

// RFC 3339 date-time: full date, 'T' or ' ' (as Katib's own writer accepts), time with optional
// fraction, and a zone 'Z' or ±HH:MM. A time without zone is rejected: it is ambiguous.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * The time stamps katib-ts takes: years 0001 to 9999 UTC, [START_EPOCH_MICROS, END_EPOCH_MICROS).
 * MySQL's DATETIME and PostgreSQL's TIMESTAMP both hold them (PostgreSQL has no year 0, and
 * neither takes a fifth year digit), so a stamp past them, also one that its offset carries over
 * the edge, is bad input rather than a database fault. Both ends are exact doubles. (Outside years
 * 1685 to 2255 a double no longer holds every microsecond: the fraction is rounded to a few µs.)
 */
export const START_EPOCH_MICROS: EpochMicros = new Date(0).setUTCFullYear(1, 0, 1) * 1000;
export const END_EPOCH_MICROS: EpochMicros = new Date(0).setUTCFullYear(10000, 0, 1) * 1000;

/**
 * Parses an RFC 3339 time stamp to epoch microseconds (digits past the sixth are truncated,
 * as a DATETIME(6) column would). Returns undefined when `text` is not RFC 3339, or names a time
 * outside years 0001 to 9999 UTC.
 */
export function tryParseRfc3339(text: string): EpochMicros | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  // 60 is allowed by RFC 3339 for leap seconds; fold it into the next minute like most parsers.
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  // Date.UTC reads years 0-99 as 1900-1999; setUTCFullYear takes the year as given.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const ms = date.getTime() - offsetMinutes * 60_000;
  const micros = ms * 1000 + Number(frac.padEnd(6, '0').slice(0, 6));
  // After the rounding above, so that no stamp can round into year 10000.
  return micros >= START_EPOCH_MICROS && micros < END_EPOCH_MICROS ? micros : undefined;
}

/** Like tryParseRfc3339, but throws an INVALID_ARGUMENT KatibError naming `field`. */
export function parseRfc3339(text: string, field: string): EpochMicros {
  const micros = tryParseRfc3339(text);
  if (micros === undefined)
    throw invalidArgument(
      field,
      text,
      'is not an RFC 3339 time stamp from year 0001 to 9999 UTC (e.g. 2026-01-02T03:04:05.123456Z)',
    );
  return micros;
}

/** Formats epoch microseconds as RFC 3339 UTC with six fractional digits: `2026-01-02T03:04:05.123456Z`. */
export function formatRfc3339(micros: EpochMicros): string {
  const ms = Math.floor(micros / 1000);
  const rest = micros - ms * 1000;
  const iso = new Date(ms).toISOString(); // 2026-01-02T03:04:05.123Z
  return `${iso.slice(0, 23)}${String(rest).padStart(3, '0')}Z`;
}

/** The current time in epoch microseconds (millisecond clock plus the sub-millisecond part of hrtime). */
export function nowMicros(): EpochMicros {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
