import mysql from 'mysql2/promise';
import type { ReporterResult } from './reporters.js';

export interface Tally {
  /** Pushes that resolved: the points that must be stored. */
  acknowledged: number;
  /** Rows stored for the reporters' trials. */
  stored: number;
  /** Stored rows beyond the first of each point (the same point stored twice or more). */
  duplicates: number;
  /** Acknowledged points not stored. */
  lost: number;
  /** Pushes that rejected. */
  failed: number;
  /** Points stored although their push was not acknowledged (rejected ones). */
  unacknowledged_stored: number;
  /** Stored values that no reporter pushed (must be 0: anything else is corruption). */
  unknown_stored: number;
}

/** Compares what the reporters were told with what `stored` (trial -> point numbers) holds. */
export function tally(results: readonly ReporterResult[], stored: ReadonlyMap<string, number[]>): Tally {
  const t: Tally = {
    acknowledged: 0,
    stored: 0,
    duplicates: 0,
    lost: 0,
    failed: 0,
    unacknowledged_stored: 0,
    unknown_stored: 0,
  };
  for (const r of results) {
    const values = stored.get(r.trial) ?? [];
    const distinct = new Set(values);
    const failed = new Set(r.failed);
    t.stored += values.length;
    t.duplicates += values.length - distinct.size;
    t.failed += failed.size;
    t.acknowledged += r.attempted - failed.size;
    for (let n = 0; n < r.attempted; n++) if (!failed.has(n) && !distinct.has(n)) t.lost++;
    for (const n of distinct) {
      if (!Number.isInteger(n) || n < 0 || n >= r.attempted) t.unknown_stored++;
      else if (failed.has(n)) t.unacknowledged_stored++;
    }
  }
  return t;
}

/** The stored points of metric `n` by trial, for trials named `${prefix}...` (read with a plain connection). */
export async function readStoredPoints(url: string, prefix: string): Promise<Map<string, number[]>> {
  const conn = await mysql.createConnection(url);
  try {
    const [rows] = await conn.query({
      sql: "SELECT trial_name, value FROM observation_logs WHERE metric_name = 'n' AND trial_name LIKE ?",
      values: [`${prefix}%`],
      rowsAsArray: true,
    });
    const byTrial = new Map<string, number[]>();
    for (const [trial, value] of rows as [string, string][]) {
      const list = byTrial.get(trial);
      if (list === undefined) byTrial.set(trial, [Number(value)]);
      else list.push(Number(value));
    }
    return byTrial;
  } finally {
    await conn.end();
  }
}
