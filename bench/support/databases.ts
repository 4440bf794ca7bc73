import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';

/**
 * A database the push bench runs against: SQLite in a temp directory always, MySQL/MariaDB and
 * PostgreSQL when KATIB_TEST_MYSQL_URL / KATIB_TEST_POSTGRES_URL are set (a uniquely named
 * database is created on that server and dropped at the end).
 */
export interface BenchDatabase {
  /** Prefix of this database's figures: '', 'mysql_', 'postgres_'. */
  prefix: string;
  /** A fresh database for the DB manager (the store creates its schema there). */
  url: string;
  /** A second fresh database, for the raw insert baseline. */
  rawUrl: string;
  /** Rows of `observation_logs` whose trial name starts with `prefix`, in `url`'s database. */
  count(trialPrefix: string): Promise<number>;
  /**
   * Inserts `rows` rows into `rawUrl`'s `observation_logs` (created by the store, so the same
   * table and index) with the plain driver, `batch` rows per transaction; returns rows/s.
   */
  rawInsert(rows: number, batch: number): Promise<number>;
  dispose(): Promise<void>;
}

export async function benchDatabases(): Promise<BenchDatabase[]> {
  const list = [await sqliteDatabase()];
  const mysqlUrl = process.env.KATIB_TEST_MYSQL_URL;
  if (mysqlUrl) list.push(await serverDatabase('mysql_', mysqlUrl));
  else process.stderr.write('bench: KATIB_TEST_MYSQL_URL unset, no mysql_ figures\n');
  const postgresUrl = process.env.KATIB_TEST_POSTGRES_URL;
  if (postgresUrl) list.push(await serverDatabase('postgres_', postgresUrl));
  else process.stderr.write('bench: KATIB_TEST_POSTGRES_URL unset, no postgres_ figures\n');
  return list;
}

async function sqliteDatabase(): Promise<BenchDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'katib-bench-push-'));
  const path = join(dir, 'katib.db');
  const rawPath = join(dir, 'raw.db');
  return {
    prefix: '',
    url: `sqlite:${path}`,
    rawUrl: `sqlite:${rawPath}`,
    async count(trialPrefix) {
      const db = new Database(path, { readonly: true });
      try {
        const row = db
          .prepare('SELECT COUNT(*) AS n FROM observation_logs WHERE trial_name LIKE ?')
          .get(`${trialPrefix}%`) as { n: number };
        return row.n;
      } finally {
        db.close();
      }
    },
    async rawInsert(rows, batch) {
      const db = new Database(rawPath);
      // What the store's SQLite connection sets (src/store/sqlite-connection.ts).
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const insert = db.prepare(
        'INSERT INTO observation_logs (trial_name, time, metric_name, value) VALUES (?, ?, ?, ?)',
      );
      const insertMany = db.transaction((from: number, to: number, time: number) => {
        for (let i = from; i < to; i++) insert.run(`raw-${i % 8}`, time + i, 'loss', String(i));
      });
      const time = Date.now() * 1000;
      const start = performance.now();
      for (let i = 0; i < rows; i += batch) insertMany(i, Math.min(rows, i + batch), time);
      const secs = (performance.now() - start) / 1000;
      db.close();
      return rows / secs;
    },
    async dispose() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function serverDatabase(prefix: string, baseUrl: string): Promise<BenchDatabase> {
  const isMysql = prefix === 'mysql_';
  const suffix = randomBytes(4).toString('hex');
  const names = [`katib_bench_${suffix}`, `katib_bench_raw_${suffix}`];
  const urlOf = (name: string) => {
    const url = new URL(baseUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const admin = async <T>(
    fn: (query: (sql: string, params?: unknown[]) => Promise<unknown[]>) => Promise<T>,
    db?: string,
  ) => {
    if (isMysql) {
      const conn = await mysql.createConnection(db === undefined ? adminUrl(baseUrl, isMysql) : urlOf(db));
      try {
        return await fn(async (sql, params) => (await conn.query(sql, params))[0] as unknown[]);
      } finally {
        await conn.end();
      }
    }
    const client = new pg.Client({
      connectionString: db === undefined ? adminUrl(baseUrl, isMysql) : urlOf(db),
    });
    await client.connect();
    try {
      return await fn(async (sql, params) => (await client.query(sql, params)).rows);
    } finally {
      await client.end();
    }
  };
  await admin(async (query) => {
    for (const name of names) await query(`CREATE DATABASE ${name}`);
  });
  const placeholders = (rows: number) =>
    Array.from({ length: rows }, (_, r) =>
      isMysql ? '(?, ?, ?, ?)' : `($${r * 4 + 1}, $${r * 4 + 2}, $${r * 4 + 3}, $${r * 4 + 4})`,
    ).join(', ');
  return {
    prefix,
    url: urlOf(names[0] as string),
    rawUrl: urlOf(names[1] as string),
    count: (trialPrefix) =>
      admin(async (query) => {
        const rows = (await query(
          `SELECT COUNT(*) AS n FROM observation_logs WHERE trial_name LIKE ${isMysql ? '?' : '$1'}`,
          [`${trialPrefix}%`],
        )) as Array<{ n: number | string }>;
        return Number(rows[0]?.n);
      }, names[0]),
    rawInsert: (rows, batch) =>
      admin(async (query) => {
        const base = Date.now();
        const start = performance.now();
        for (let i = 0; i < rows; i += batch) {
          const n = Math.min(batch, rows - i);
          const params: unknown[] = [];
          for (let k = i; k < i + n; k++) {
            const time = new Date(base + k).toISOString().replace('T', ' ').replace('Z', '000');
            params.push(`raw-${k % 8}`, time, 'loss', String(k));
          }
          await query(
            `INSERT INTO observation_logs (trial_name, time, metric_name, value) VALUES ${placeholders(n)}`,
            params,
          );
        }
        return rows / ((performance.now() - start) / 1000);
      }, names[1]),
    async dispose() {
      await admin(async (query) => {
        for (const name of names) await query(`DROP DATABASE IF EXISTS ${name}`);
      });
    },
  };
}

/** The server's URL without a database (MySQL) or with the maintenance one (PostgreSQL). */
function adminUrl(baseUrl: string, isMysql: boolean): string {
  const url = new URL(baseUrl);
  url.pathname = isMysql ? '/' : '/postgres';
  return url.toString();
}
