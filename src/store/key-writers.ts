import { type Kysely, sql } from 'kysely';
import { nowMicros } from '../api/time.js';
import type { TrialLogs } from './observation-store.js';
import type { KatibTables } from './schema.js';
import type { TimeCodec } from './sql-time.js';

/**
 * Thrown inside a MySQL transaction whose multi-row INSERT IGNORE of keys skipped some but not all
 * of them: MySQL does not say which, so the caller rolls back and runs recordKeys one by one.
 */
export class KeyRace extends Error {
  constructor() {
    super('some idempotency keys of the batch were recorded already; retrying them one by one');
    this.name = 'KeyRace';
  }
}

/**
 * Records the entries' idempotency keys in `trx` (MySQL or PostgreSQL; SQLite's writer does it with
 * a prepared statement) and says, per entry, whether its rows are to be stored: true for an entry
 * without a key or whose key was new, false for one whose key was recorded already, by another
 * transaction or by an earlier entry of this batch (the first entry with a key wins).
 *
 * A key inserted by a concurrent transaction that has not committed yet makes this one wait for it
 * (the primary key's lock), then skip the key if it committed or record it if it rolled back, so two
 * reports with one key never both store. Keys are inserted in sorted order: two batches sharing
 * keys lock them in the same order and cannot deadlock on them.
 *
 * One statement per batch: PostgreSQL's ON CONFLICT DO NOTHING RETURNING lists the keys inserted.
 * MySQL has no RETURNING (MariaDB's is not MySQL's), only INSERT IGNORE's count: when it counts all
 * or none of the keys the answer is plain; otherwise KeyRace, unless `oneByOne` asks for one
 * INSERT IGNORE per key (the slow path, taken after KeyRace: a retry racing its original).
 */
export async function recordKeys(
  trx: Kysely<KatibTables>,
  dialect: 'mysql' | 'postgres',
  time: TimeCodec,
  entries: readonly TrialLogs[],
  oneByOne: boolean,
): Promise<boolean[]> {
  const stored = new Array<boolean>(entries.length).fill(true);
  const firstOf = new Map<string, number>();
  for (let i = 0; i < entries.length; i++) {
    const key = (entries[i] as TrialLogs).idempotencyKey;
    if (key === undefined) continue;
    if (firstOf.has(key)) stored[i] = false;
    else firstOf.set(key, i);
  }
  const keys = [...firstOf.keys()].sort();
  const trialOf = (key: string) => (entries[firstOf.get(key) as number] as TrialLogs).trialName;
  const skip = (key: string) => {
    stored[firstOf.get(key) as number] = false;
  };
  const at = time.encode(nowMicros());

  if (dialect === 'postgres') {
    const inserted = await sql<{ idempotency_key: string }>`
      INSERT INTO idempotency_keys (idempotency_key, trial_name, time)
      SELECT k, t, ${at}::timestamp
      FROM unnest(${keys}::text[], ${keys.map(trialOf)}::text[]) WITH ORDINALITY AS u(k, t, n)
      ORDER BY n
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING idempotency_key`.execute(trx);
    const added = new Set(inserted.rows.map((r) => r.idempotency_key));
    for (const key of keys) if (!added.has(key)) skip(key);
    return stored;
  }

  const rows = keys.map((key) => ({ idempotency_key: key, trial_name: trialOf(key), time: at }));
  if (!oneByOne || rows.length === 1) {
    const result = await trx.insertInto('idempotency_keys').ignore().values(rows).executeTakeFirst();
    const added = Number(result.numInsertedOrUpdatedRows ?? 0);
    if (added === rows.length) return stored;
    if (added !== 0) throw new KeyRace();
    for (const key of keys) skip(key);
    return stored;
  }
  for (const row of rows) {
    const result = await trx.insertInto('idempotency_keys').ignore().values(row).executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) skip(row.idempotency_key);
  }
  return stored;
}
