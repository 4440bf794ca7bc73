// Katib's own DDL for observation_logs (its DB manager's init), to test that katib-ts adopts a
// database Katib made. SQLite has no Katib table; the nearest is ours without the index.
import { sql } from 'kysely';
import { parseRfc3339 } from '../../src/api/time.js';
import type { Database } from '../../src/store/index.js';

const KATIB_DDL = {
  mysql: `CREATE TABLE IF NOT EXISTS observation_logs
    (trial_name VARCHAR(255) NOT NULL,
    id INT AUTO_INCREMENT PRIMARY KEY,
    time DATETIME(6),
    metric_name VARCHAR(255) NOT NULL,
    value TEXT NOT NULL)`,
  postgres: `CREATE TABLE IF NOT EXISTS observation_logs
    (trial_name VARCHAR(255) NOT NULL,
    id serial PRIMARY KEY,
    time TIMESTAMP(6),
    metric_name VARCHAR(255) NOT NULL,
    value TEXT NOT NULL)`,
  sqlite: `CREATE TABLE IF NOT EXISTS observation_logs
    (trial_name VARCHAR(255) NOT NULL,
    id INTEGER PRIMARY KEY,
    time INTEGER,
    metric_name VARCHAR(255) NOT NULL,
    value TEXT NOT NULL)`,
} as const;

export async function createKatibTable(db: Database): Promise<void> {
  await sql.raw(KATIB_DDL[db.dialect]).execute(db.kysely);
}

/** A row as Katib's DB manager writes it: the time as UTC text `YYYY-MM-DD HH:MM:SS.ffffff`. */
export async function insertKatibRow(
  db: Database,
  trial: string,
  utcText: string,
  metric: string,
  value: string,
): Promise<void> {
  const time = db.dialect === 'sqlite' ? parseRfc3339(`${utcText.replace(' ', 'T')}Z`, 'time') : utcText;
  await sql`INSERT INTO observation_logs (trial_name, time, metric_name, value) VALUES (${trial}, ${time}, ${metric}, ${value})`.execute(
    db.kysely,
  );
}

/** The secondary indexes on observation_logs, sorted. */
export async function indexNames(db: Database): Promise<string[]> {
  const query = {
    sqlite: sql<{
      name: string;
    }>`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'observation_logs' AND name NOT LIKE 'sqlite_autoindex%'`,
    mysql: sql<{
      name: string;
    }>`SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'observation_logs' AND INDEX_NAME <> 'PRIMARY'`,
    postgres: sql<{
      name: string;
    }>`SELECT indexname AS name FROM pg_indexes WHERE tablename = 'observation_logs' AND indexname NOT LIKE '%_pkey'`,
  }[db.dialect];
  const { rows } = await query.execute(db.kysely);
  return rows.map((r) => r.name).sort();
}
