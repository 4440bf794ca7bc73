/**
 * Test databases for every dialect, for conformance suites (store, controller, DB manager).
 *
 *   for (const db of await testDatabases()) {
 *     describe(`my suite on ${db.label}`, { skip: db.skipReason }, () => {
 *       if (db.skipReason !== undefined) return; // narrows the type; the body never runs when skipped
 *       it('...', async () => { const database = await openDatabase(db.url); ... });
 *     });
 *   }
 *
 * - SQLite is always there: a file in a fresh temp directory.
 * - MySQL/MariaDB from KATIB_TEST_MYSQL_URL, PostgreSQL from KATIB_TEST_POSTGRES_URL (a URL that
 *   openDatabase accepts, e.g. mysql://root@127.0.0.1:3306/katib_test). The database named in it
 *   need not exist: it only gives the prefix of the databases made here. When a variable is unset,
 *   the entry carries a skipReason naming it, which the test runner prints; when it is set but the
 *   server cannot be reached, testDatabases() rejects (the run fails, loudly).
 * - Every database made here has a unique name (prefix, time, pid, random), so concurrent runs do
 *   not collide, and is dropped when the test file's tests are done (a root-level `after` hook:
 *   call testDatabases() at the top level of the test file, with top-level await).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import {
  type Dialect,
  displayUrl,
  type MysqlConfig,
  type PostgresConfig,
  parseDbUrl,
} from '../../src/store/index.js';

export interface AvailableDatabase {
  dialect: Dialect;
  /** `sqlite`, `mysql (mysql://root@127.0.0.1:3306/...)`: for suite names. */
  label: string;
  skipReason?: undefined;
  /** An empty database made for this test file. */
  url: string;
  /** Makes another empty database and returns its URL, for tests that need a pristine one. */
  fresh(): Promise<string>;
  /**
   * Closes every server-side connection to the database at `url` (MySQL `KILL`, PostgreSQL
   * `pg_terminate_backend`), as a server restart would, without stopping the shared server.
   * Resolves with how many were closed; always 0 on SQLite, which has no server.
   */
  killConnections(url: string): Promise<number>;
}

export interface SkippedDatabase {
  dialect: Dialect;
  label: string;
  /** Why this dialect is not tested in this run (which environment variable is unset). */
  skipReason: string;
  url?: undefined;
}

export type TestDatabase = AvailableDatabase | SkippedDatabase;

const SERVER_VARIABLES = { mysql: 'KATIB_TEST_MYSQL_URL', postgres: 'KATIB_TEST_POSTGRES_URL' } as const;

/** SQLite, MySQL and PostgreSQL, each ready or with the reason it is skipped (see the file comment). */
export async function testDatabases(env: NodeJS.ProcessEnv = process.env): Promise<TestDatabase[]> {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const list: TestDatabase[] = [await sqliteDatabase(cleanups)];
  for (const dialect of ['mysql', 'postgres'] as const) {
    const variable = SERVER_VARIABLES[dialect];
    const url = env[variable];
    if (url === undefined || url === '') {
      list.push({ dialect, label: dialect, skipReason: `${variable} is not set (e.g. ${example(dialect)})` });
      continue;
    }
    const config = parseDbUrl(url);
    if (config.dialect !== dialect)
      throw new Error(`${variable} must be a ${dialect} URL, got ${displayUrl(config)}`);
    list.push(await serverDatabase(config, cleanups));
  }
  return list;
}

function example(dialect: 'mysql' | 'postgres'): string {
  return dialect === 'mysql'
    ? 'mysql://root@127.0.0.1:3306/katib_test'
    : 'postgres://postgres@127.0.0.1:5432/katib_test';
}

async function sqliteDatabase(cleanups: (() => Promise<void>)[]): Promise<AvailableDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'katib-test-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  let count = 0;
  const fresh = async () => `sqlite:${join(dir, `db-${++count}.sqlite`)}`;
  return { dialect: 'sqlite', label: 'sqlite', url: await fresh(), fresh, killConnections: async () => 0 };
}

async function serverDatabase(
  base: MysqlConfig | PostgresConfig,
  cleanups: (() => Promise<void>)[],
): Promise<AvailableDatabase> {
  const prefix = base.database
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 24);
  const admin = base.dialect === 'mysql' ? mysqlAdmin(base) : postgresAdmin(base);
  const fresh = async () => {
    const name = `${prefix}_${Date.now().toString(36)}_${process.pid}_${randomBytes(3).toString('hex')}`;
    await admin.create(name);
    cleanups.push(() => admin.drop(name));
    return urlOf({ ...base, database: name });
  };
  return {
    dialect: base.dialect,
    label: `${base.dialect} (${displayUrl(base)})`,
    url: await fresh(),
    fresh,
    killConnections: async (url) => {
      const config = parseDbUrl(url);
      return config.dialect === 'sqlite' ? 0 : admin.kill(config.database);
    },
  };
}

interface Admin {
  create(name: string): Promise<void>;
  drop(name: string): Promise<void>;
  kill(database: string): Promise<number>;
}

function mysqlAdmin(base: MysqlConfig): Admin {
  const run = async <T>(work: (c: mysql.Connection) => Promise<T>): Promise<T> => {
    const connection = await mysql.createConnection({
      host: base.host,
      port: base.port,
      ...(base.user === undefined ? {} : { user: base.user }),
      ...(base.password === undefined ? {} : { password: base.password }),
    });
    try {
      return await work(connection);
    } finally {
      await connection.end();
    }
  };
  const kill = (database: string) =>
    run(async (c) => {
      const [rows] = await c.query(
        'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()',
        [database],
      );
      let killed = 0;
      for (const { id } of rows as { id: number }[]) {
        try {
          await c.query(`KILL ${Number(id)}`);
          killed++;
        } catch {
          // it ended on its own meanwhile
        }
      }
      return killed;
    });
  return {
    // The server's default character set, on purpose: migrations must not rely on the database's.
    create: (name) => run(async (c) => void (await c.query(`CREATE DATABASE \`${name}\``))),
    drop: async (name) => {
      await kill(name);
      await run(async (c) => void (await c.query(`DROP DATABASE IF EXISTS \`${name}\``)));
    },
    kill,
  };
}

function postgresAdmin(base: PostgresConfig): Admin {
  const run = async <T>(work: (c: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({
      host: base.host,
      port: base.port,
      ...(base.user === undefined ? {} : { user: base.user }),
      ...(base.password === undefined ? {} : { password: base.password }),
      // The maintenance database always exists; the one in the URL may not.
      database: 'postgres',
      ssl: base.sslMode === 'disable' || base.sslMode === 'allow' ? false : { rejectUnauthorized: false },
    });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    create: (name) => run(async (c) => void (await c.query(`CREATE DATABASE "${name}"`))),
    drop: (name) => run(async (c) => void (await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
    kill: (database) =>
      run(async (c) => {
        const result = await c.query(
          'SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [database],
        );
        return result.rows.filter((r: { killed: boolean }) => r.killed).length;
      }),
  };
}

function urlOf(config: MysqlConfig | PostgresConfig): string {
  const auth =
    config.user === undefined
      ? ''
      : `${encodeURIComponent(config.user)}${config.password === undefined ? '' : `:${encodeURIComponent(config.password)}`}@`;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const query = config.dialect === 'postgres' ? `?sslmode=${config.sslMode}` : '';
  return `${config.dialect}://${auth}${host}:${config.port}/${config.database}${query}`;
}
