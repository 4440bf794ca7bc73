import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { openDatabase, parseDbUrl } from '../../src/store/index.js';
import { testDatabases } from '../support/databases.js';
import { freePort as closedPort } from '../support/fixtures.js';
import { rejectsWith } from './helpers.js';

// Permanent database errors (unknown database, refused login, unknown role, missing rights) fail
// at once with a hint, however long the connect timeout; transient ones (nothing listening yet)
// are still retried until it. Real servers: users and roles are made here and dropped after.
const TIMEOUT_S = 30;
/** "At once": far below the connect timeout, with room for a loaded machine. */
const FAST_MS = 5000;

async function failsFast(url: string, code: string, message: RegExp): Promise<void> {
  const started = Date.now();
  await rejectsWith(openDatabase(url, { connectTimeoutSeconds: TIMEOUT_S }), code, message);
  const took = Date.now() - started;
  assert.ok(took < FAST_MS, `took ${took} ms, expected well under the ${TIMEOUT_S} s connect timeout`);
}

const suffix = () => `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const databases = await testDatabases();
const mysqlDb = databases.find((d) => d.dialect === 'mysql');
const postgresDb = databases.find((d) => d.dialect === 'postgres');

describe('database connect faults: sqlite', () => {
  it('a file that is not a database fails at once, naming the file', async () => {
    const sqlite = databases.find((d) => d.dialect === 'sqlite');
    assert.ok(sqlite?.url !== undefined);
    const path = `${(parseDbUrl(sqlite.url) as { path: string }).path}.txt`;
    writeFileSync(path, 'this is a text file, not SQLite\n'.repeat(200));
    await failsFast(`sqlite:${path}`, 'failed_precondition', /not a database.*is not a SQLite database/);
  });

  it('a folder in place of the file fails at once', async () => {
    const sqlite = databases.find((d) => d.dialect === 'sqlite');
    assert.ok(sqlite?.url !== undefined);
    const path = (parseDbUrl(sqlite.url) as { path: string }).path;
    const folder = path.slice(0, path.lastIndexOf('/'));
    await failsFast(`sqlite:${folder}`, 'failed_precondition', /SQLITE_CANTOPEN.*can be created or opened/);
  });
});

describe('database connect faults: mysql', { skip: mysqlDb?.skipReason }, () => {
  if (mysqlDb?.url === undefined) return;
  const base = parseDbUrl(mysqlDb.url);
  if (base.dialect !== 'mysql') return;
  const user = `katib_h16_${suffix()}`.slice(0, 32);
  const admin = () =>
    mysql.createConnection({
      host: base.host,
      port: base.port,
      ...(base.user === undefined ? {} : { user: base.user }),
      ...(base.password === undefined ? {} : { password: base.password }),
    });
  const urlAs = (who: string, password: string | undefined, database: string) =>
    `mysql://${who}${password === undefined ? '' : `:${password}`}@${base.host}:${base.port}/${database}`;
  let created = false;
  after(async () => {
    if (!created) return;
    const c = await admin();
    await c.query(`DROP USER IF EXISTS '${user}'@'%', '${user}'@'localhost', '${user}'@'127.0.0.1'`);
    await c.end();
  });

  it('an unknown database fails at once with CREATE DATABASE', async () => {
    await failsFast(
      urlAs(base.user ?? 'root', base.password, `nope_${suffix()}`),
      'not_found',
      /Unknown database.*CREATE DATABASE/,
    );
  });

  it('a wrong password fails at once', async () => {
    const c = await admin();
    for (const host of ['%', 'localhost', '127.0.0.1'])
      await c.query(`CREATE USER '${user}'@'${host}' IDENTIFIED BY 'right-password'`);
    created = true;
    await c.end();
    await failsFast(
      urlAs(user, 'wrong-password', base.database),
      'unauthenticated',
      /Access denied.*password in the URL/,
    );
  });

  it('a user without rights on the database fails at once with a GRANT', async () => {
    assert.ok(created, 'runs after the wrong-password test made the user');
    await failsFast(
      urlAs(user, 'right-password', base.database),
      'permission_denied',
      /Access denied.*GRANT ALL/,
    );
  });

  it('an unknown user fails at once', async () => {
    await failsFast(
      urlAs(`nobody_${suffix()}`.slice(0, 30), undefined, base.database),
      'unauthenticated',
      /Access denied/,
    );
  });

  it('a closed port is still retried until the connect timeout', async () => {
    const started = Date.now();
    await rejectsWith(
      openDatabase(`mysql://root@127.0.0.1:${await closedPort()}/katib`, { connectTimeoutSeconds: 1.5 }),
      'unavailable',
      /within 1.5 s: .*ECONNREFUSED/,
    );
    assert.ok(Date.now() - started >= 1400, 'retried until the timeout');
  });
});

describe('database connect faults: postgres', { skip: postgresDb?.skipReason }, () => {
  if (postgresDb?.url === undefined) return;
  const base = parseDbUrl(postgresDb.url);
  if (base.dialect !== 'postgres') return;
  const role = `katib_h16_${suffix()}`;
  const admin = async () => {
    const client = new pg.Client({
      host: base.host,
      port: base.port,
      ...(base.user === undefined ? {} : { user: base.user }),
      ...(base.password === undefined ? {} : { password: base.password }),
      database: 'postgres',
    });
    await client.connect();
    return client;
  };
  const urlAs = (who: string, database: string) => `postgres://${who}@${base.host}:${base.port}/${database}`;
  const created: string[] = [];
  after(async () => {
    const c = await admin();
    for (const name of created) {
      await c.query(`DROP OWNED BY "${name}"`).catch(() => {});
      await c.query(`DROP ROLE IF EXISTS "${name}"`);
    }
    await c.end();
  });

  it('an unknown database fails at once with CREATE DATABASE', async () => {
    await failsFast(
      urlAs(base.user ?? 'postgres', `nope_${suffix()}`),
      'not_found',
      /does not exist.*CREATE DATABASE/,
    );
  });

  it('an unknown role fails at once with CREATE ROLE', async () => {
    await failsFast(
      urlAs(`nobody_${suffix()}`, base.database),
      'unauthenticated',
      /role .* does not exist.*CREATE ROLE/,
    );
  });

  it('a role that may not log in fails at once', async () => {
    const c = await admin();
    await c.query(`CREATE ROLE "${role}_nologin" NOLOGIN`);
    created.push(`${role}_nologin`);
    await c.end();
    await failsFast(urlAs(`${role}_nologin`, base.database), 'unauthenticated', /not permitted to log in/);
  });

  it('a role without the right to create tables fails at once with a GRANT (during migrations)', async () => {
    const c = await admin();
    await c.query(`CREATE ROLE "${role}" LOGIN`);
    created.push(role);
    // PostgreSQL 15 already gives PUBLIC no CREATE on schema public; older servers do.
    await c.end();
    const db = new pg.Client({
      host: base.host,
      port: base.port,
      ...(base.user === undefined ? {} : { user: base.user }),
      ...(base.password === undefined ? {} : { password: base.password }),
      database: base.database,
    });
    await db.connect();
    await db.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    await db.end();
    await failsFast(urlAs(role, base.database), 'permission_denied', /permission denied.*GRANT ALL/);
  });

  it('a closed port is still retried until the connect timeout', async () => {
    const started = Date.now();
    await rejectsWith(
      openDatabase(`postgres://postgres@127.0.0.1:${await closedPort()}/katib`, {
        connectTimeoutSeconds: 1.5,
      }),
      'unavailable',
      /within 1.5 s: .*ECONNREFUSED/,
    );
    assert.ok(Date.now() - started >= 1400, 'retried until the timeout');
  });
});
