import { type Expression, type Kysely, type RawBuilder, sql } from 'kysely';
import type { Dialect } from './db-url.js';

// Helpers for migrations: the few column types and DDL forms that differ between dialects.

/**
 * An auto-increment BIGINT key: SQLite's INTEGER PRIMARY KEY (the rowid: never reuses a value
 * below the current maximum, so id order stays insertion order, with no AUTOINCREMENT bookkeeping),
 * MySQL BIGINT AUTO_INCREMENT (the caller adds autoIncrement()), PostgreSQL BIGSERIAL. BIGINT, not
 * Katib's INT: at 200k points/s an INT key runs out in three hours.
 */
export function autoIncrementId(dialect: Dialect): 'integer' | 'bigint' | 'bigserial' {
  return dialect === 'sqlite' ? 'integer' : dialect === 'mysql' ? 'bigint' : 'bigserial';
}

/** A text column for documents: MEDIUMTEXT on MySQL (TEXT stops at 64 KiB), TEXT elsewhere. */
export function documentText(dialect: Dialect): Expression<unknown> | 'text' {
  return dialect === 'mysql' ? sql`mediumtext` : 'text';
}

/** Katib's time column: DATETIME(6) on MySQL, TIMESTAMP(6) on PostgreSQL, epoch microseconds on SQLite (see sql-time.ts). */
export function microsecondTime(dialect: Dialect): Expression<unknown> | 'integer' {
  if (dialect === 'sqlite') return 'integer';
  return dialect === 'mysql' ? sql`datetime(6)` : sql`timestamp(6)`;
}

/**
 * InnoDB, utf8mb4 and a binary collation, so names compare byte for byte as on SQLite and
 * PostgreSQL ('Loss' and 'loss' are two metrics). A NO PAD collation where the server has one
 * (MariaDB utf8mb4_nopad_bin, MySQL 8 utf8mb4_0900_bin): with PAD SPACE 'loss' and 'loss ' would
 * be the same name. The database's own default charset (often latin1) is not relied on.
 */
// biome-ignore lint/suspicious/noExplicitAny: runs inside migrations, which see no table types.
export async function mysqlTableOptions(db: Kysely<any>): Promise<RawBuilder<unknown>> {
  const found = await sql<{ name: string }>`
    SELECT COLLATION_NAME AS name FROM information_schema.COLLATIONS
    WHERE COLLATION_NAME IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')`.execute(db);
  const names = found.rows.map((r) => r.name);
  const collation = names.includes('utf8mb4_nopad_bin') ? 'utf8mb4_nopad_bin' : (names[0] ?? 'utf8mb4_bin');
  return sql`ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${sql.raw(collation)}`;
}

/** CREATE INDEX unless an index of that name exists (MySQL has no CREATE INDEX IF NOT EXISTS). */
export async function createIndexIfMissing(
  // biome-ignore lint/suspicious/noExplicitAny: see mysqlTableOptions.
  db: Kysely<any>,
  dialect: Dialect,
  table: string,
  index: string,
  columns: string[],
): Promise<void> {
  if (dialect !== 'mysql') {
    await db.schema.createIndex(index).ifNotExists().on(table).columns(columns).execute();
    return;
  }
  const existing = await sql<{ n: number }>`
    SELECT COUNT(*) AS n FROM information_schema.STATISTICS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ${table} AND INDEX_NAME = ${index}`.execute(db);
  if (Number(existing.rows[0]?.n ?? 0) > 0) return;
  await db.schema.createIndex(index).on(table).columns(columns).execute();
}
