import type { Statement } from 'better-sqlite3';
import { type Insertable, type Kysely, sql } from 'kysely';
import { nowMicros } from '../api/time.js';
import { KeyRace, recordKeys } from './key-writers.js';
import { transactionRetryingDropped } from './retry.js';
import type { KatibTables, ObservationLogsTable } from './schema.js';
import type { LogWriter } from './sql-observation-store.js';
import type { TimeCodec } from './sql-time.js';
import type { SqliteHandle } from './sqlite-connection.js';

const INSERT_SQL = 'INSERT INTO observation_logs (trial_name, time, metric_name, value) VALUES (?, ?, ?, ?)';
// No change means the key is recorded: by an earlier transaction or an earlier entry of this one.
const INSERT_KEY_SQL =
  'INSERT INTO idempotency_keys (idempotency_key, trial_name, time) VALUES (?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING';

/**
 * SQLite's write path: one cached prepared statement, run row by row inside a better-sqlite3
 * transaction, holding the connection gate (synchronously when nobody else holds it).
 *
 * Measured here (better-sqlite3 12, WAL, synchronous=NORMAL, the (trial_name, time, id) index,
 * 8 trials; a 2-core machine under a load average of 7-10, so ranges over runs):
 *   raw better-sqlite3 vs Kysely on the same connection:
 *     single row:        prepared statement in a transaction 18-22 us; Kysely insert 31-40 us,
 *                        Kysely transaction + insert 40-66 us (the commit's WAL write is the floor)
 *     1,000-row batches: prepared statement 421k-507k rows/s; Kysely multi-row insert 245k-343k
 *   through this store (openDatabase, 1.8M rows in the table):
 *     store.report 1 row 31-62 us vs Kysely insert 35-76 us;
 *     store.reportMany 8 trials x 125 rows 302k-531k rows/s vs Kysely 147k-302k;
 *     8 x 1,250 rows 386k-455k rows/s
 * Kysely re-prepares every statement (its SQLite driver has no statement cache) and compiles the
 * query each call, so the hot path goes around it; everything else still goes through Kysely.
 * The statements are prepared on first use, after migrations have created the tables. An entry's
 * idempotency key is inserted before its rows, which are skipped when the key was there already.
 */
export function sqliteLogWriter(handle: SqliteHandle): LogWriter {
  let write: ((entries: Parameters<LogWriter>[0]) => boolean[]) | undefined;
  const prepare = () => {
    const insert = handle.raw.prepare(INSERT_SQL);
    // Prepared at the first key: a Katib schema (skipInitialization) has no keys table, and gets no keys.
    let insertKey: Statement<unknown[]> | undefined;
    return handle.raw.transaction((entries: Parameters<LogWriter>[0]) => {
      const stored = new Array<boolean>(entries.length);
      let now: number | undefined;
      for (let i = 0; i < entries.length; i++) {
        const { trialName, logs, idempotencyKey } = entries[i] as Parameters<LogWriter>[0][number];
        if (idempotencyKey !== undefined) {
          now ??= nowMicros();
          insertKey ??= handle.raw.prepare(INSERT_KEY_SQL);
          if (insertKey.run(idempotencyKey, trialName, now).changes === 0) {
            stored[i] = false;
            continue;
          }
        }
        stored[i] = true;
        for (const log of logs) insert.run(trialName, log.time, log.name, log.value);
      }
      return stored;
    });
  };
  return (entries) =>
    handle.gate.run(() => {
      write ??= prepare();
      return write(entries);
    });
}

// MySQL's text protocol has no placeholder limit but max_allowed_packet (4 MiB by default on MySQL
// 5.7, 16 MiB on MariaDB): 512k UTF-16 units stay under 4 MiB even as 3-byte UTF-8 with every quote
// escaped. The row limit is PostgreSQL's 65,535 bind parameters at 4 per row, which binds a
// multi-row VALUES; unnest's four arrays are not bound by it, but the same chunks keep every
// statement's size bounded.
const MAX_ROWS_PER_INSERT = Math.floor(65_535 / 4);
const MAX_CHARS_PER_INSERT = 1 << 19;

/**
 * MySQL/PostgreSQL's write path: the entries' idempotency keys (see recordKeys), then the rows of
 * the entries whose keys were new, in chunks, all within one transaction, run again on another
 * connection if a dropped one failed it before COMMIT (see transactionRetryingDropped). MySQL gets
 * multi-row INSERTs; PostgreSQL one INSERT ... SELECT FROM unnest() of four arrays per chunk,
 * which measured here (PostgreSQL 15, 2,000-row batches, best of 5) 255k-280k rows/s against
 * 117k-121k for Kysely's multi-row VALUES (where Kysely's compile is not the cost: 1.4M rows/s; the
 * server's parsing and binding of 8,000 parameters is). WITH ORDINALITY ... ORDER BY pins the
 * id order to the array order (insertion order for equal times) and measured no slower.
 */
export function serverLogWriter(
  kysely: Kysely<KatibTables>,
  dialect: 'mysql' | 'postgres',
  time: TimeCodec,
): LogWriter {
  const insert = dialect === 'postgres' ? insertUnnest : insertValues;
  const keyed = (entries: Parameters<LogWriter>[0]) => entries.some((e) => e.idempotencyKey !== undefined);
  const write = (entries: Parameters<LogWriter>[0], oneByOne: boolean) =>
    transactionRetryingDropped(kysely, async (trx) => {
      const stored = keyed(entries)
        ? await recordKeys(trx, dialect, time, entries, oneByOne)
        : new Array<boolean>(entries.length).fill(true);
      for (const chunk of chunkRows(entries, stored, time)) await insert(trx, chunk);
      return stored;
    });
  return async (entries) => {
    try {
      return await write(entries, false);
    } catch (err) {
      // MySQL could not tell which keys were new (see recordKeys): the transaction was rolled back.
      if (!(err instanceof KeyRace)) throw err;
      return write(entries, true);
    }
  };
}

function insertValues(trx: Kysely<KatibTables>, rows: Row[]): Promise<unknown> {
  return trx.insertInto('observation_logs').values(rows).execute();
}

function insertUnnest(trx: Kysely<KatibTables>, rows: Row[]): Promise<unknown> {
  const column = <K extends keyof Row>(key: K) => rows.map((r) => r[key]);
  return sql`
    INSERT INTO observation_logs (trial_name, time, metric_name, value)
    SELECT t, ti, m, v
    FROM unnest(${column('trial_name')}::text[], ${column('time')}::timestamp[], ${column('metric_name')}::text[], ${column('value')}::text[])
      WITH ORDINALITY AS u(t, ti, m, v, n)
    ORDER BY n`.execute(trx);
}

type Row = Insertable<ObservationLogsTable>;

/** The rows of the entries marked stored, in statements of bounded size. */
function chunkRows(entries: Parameters<LogWriter>[0], stored: readonly boolean[], time: TimeCodec): Row[][] {
  const chunks: Row[][] = [];
  let chunk: Row[] = [];
  let chars = 0;
  for (let i = 0; i < entries.length; i++) {
    if (!stored[i]) continue;
    const { trialName, logs } = entries[i] as Parameters<LogWriter>[0][number];
    for (const log of logs) {
      const size = trialName.length + log.name.length + log.value.length + 48;
      if (chunk.length === MAX_ROWS_PER_INSERT || (chunk.length > 0 && chars + size > MAX_CHARS_PER_INSERT)) {
        chunks.push(chunk);
        chunk = [];
        chars = 0;
      }
      chunk.push({
        trial_name: trialName,
        time: time.encode(log.time),
        metric_name: log.name,
        value: log.value,
      });
      chars += size;
    }
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
