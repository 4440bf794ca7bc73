import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import {
  type DbConfig,
  dbUrlFromKatibEnv,
  displayUrl,
  parseDbUrl,
  redactUrl,
} from '../../src/store/index.js';

function throwsInvalid(fn: () => unknown, field: string, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof KatibError, String(err));
    assert.equal(err.code, 'invalid_argument');
    assert.equal(err.field, field);
    assert.match(err.message, message);
    return true;
  });
}

describe('parseDbUrl', () => {
  const good: [string, DbConfig][] = [
    ['sqlite:katib.db', { dialect: 'sqlite', path: 'katib.db' }],
    ['sqlite:./data/katib.db', { dialect: 'sqlite', path: './data/katib.db' }],
    ['sqlite:/var/lib/katib/katib.db', { dialect: 'sqlite', path: '/var/lib/katib/katib.db' }],
    ['sqlite::memory:', { dialect: 'sqlite', path: ':memory:' }],
    [
      'mysql://root:secret@127.0.0.1:3306/katib',
      {
        dialect: 'mysql',
        host: '127.0.0.1',
        port: 3306,
        user: 'root',
        password: 'secret',
        database: 'katib',
      },
    ],
    ['mysql://katib-mysql/katib', { dialect: 'mysql', host: 'katib-mysql', port: 3306, database: 'katib' }],
    [
      'mysql://us%40er:p%40ss%3Aw%2Fd@db.example.com:13306/my_db',
      {
        dialect: 'mysql',
        host: 'db.example.com',
        port: 13306,
        user: 'us@er',
        password: 'p@ss:w/d',
        database: 'my_db',
      },
    ],
    [
      'postgres://postgres@127.0.0.1:5432/katib_test',
      {
        dialect: 'postgres',
        host: '127.0.0.1',
        port: 5432,
        user: 'postgres',
        database: 'katib_test',
        sslMode: 'disable',
      },
    ],
    [
      'postgresql://katib:pw@katib-postgres/katib?sslmode=require',
      {
        dialect: 'postgres',
        host: 'katib-postgres',
        port: 5432,
        user: 'katib',
        password: 'pw',
        database: 'katib',
        sslMode: 'require',
      },
    ],
    [
      'POSTGRES://u@[::1]:6543/db?sslmode=verify-full',
      { dialect: 'postgres', host: '::1', port: 6543, user: 'u', database: 'db', sslMode: 'verify-full' },
    ],
  ];
  for (const [url, config] of good) {
    it(`accepts ${url}`, () => assert.deepEqual(parseDbUrl(url), config));
  }

  const bad: [string, RegExp][] = [
    ['', /"" is not a database URL; use sqlite:PATH/],
    ['katib.db', /is not a database URL/],
    ['sqlite:', /has no file path/],
    ['sqlite:a\0b', /NUL/],
    ['http://host/db', /is not a database URL/],
    ['mongodb://host/db', /is not a database URL; use sqlite:PATH .* mysql:\/\/.* postgres:\/\//],
    ['mysql://', /"mysql:\/\/" has no host/],
    ['mysql://host', /must name one database/],
    ['mysql://host/', /must name one database/],
    ['mysql://host/a/b', /must name one database/],
    ['mysql://host:0/db', /has a bad port \(0\): it must be a number from 1 to 65535/],
    ['mysql://host:99999/db', /has a bad port \(99999\)/],
    ['mysql://host:abc/db', /has a bad port \(abc\)/],
    ['postgres://u:p@[::1]:-1/db', /has a bad port \(-1\)/],
    ['mysql://ho st/db', /is not a database URL/],
    ['mysql://host/db?ssl=true', /query parameters \(ssl\); mysql URLs take none/],
    ['mysql://host/db#frag', /#fragment/],
    ['mysql://u:%E0%A4%A@host/db', /bad percent-encoding/],
    [
      'postgres://host/db?sslmode=sometimes',
      /sslmode=sometimes; accepted: disable, allow, prefer, require, verify-ca, verify-full/,
    ],
    ['postgres://host/db?application_name=x', /unknown query parameters \(application_name\); only sslmode/],
  ];
  for (const [url, message] of bad) {
    it(`rejects ${JSON.stringify(url)}`, () => throwsInvalid(() => parseDbUrl(url), '--db', message));
  }

  it('never shows a password in its error', () => {
    throwsInvalid(
      () => parseDbUrl('mysql://root:hunter2@host/db?x=1'),
      '--db',
      /^--db: "mysql:\/\/root:\*\*\*@host\/db\?x=1"/,
    );
    throwsInvalid(
      () => parseDbUrl('mysql://root:p@ss@host:99999/db'),
      '--db',
      /"mysql:\/\/root:\*\*\*@host:99999\/db" has a bad port/,
    );
  });
});

describe('displayUrl and redactUrl', () => {
  it('redacts passwords', () => {
    assert.equal(displayUrl(parseDbUrl('mysql://root:secret@h:1/db')), 'mysql://root:***@h:1/db');
    assert.equal(displayUrl(parseDbUrl('postgres://u@h/db')), 'postgres://u@h:5432/db');
    assert.equal(
      displayUrl(parseDbUrl('postgres://u:p@[::1]/db?sslmode=require')),
      'postgres://u:***@[::1]:5432/db?sslmode=require',
    );
    assert.equal(displayUrl(parseDbUrl('sqlite:/tmp/x.db')), 'sqlite:/tmp/x.db');
    assert.equal(redactUrl('postgresql://a:b@c/d'), 'postgresql://a:***@c/d');
    assert.equal(redactUrl('mysql://a@c/d'), 'mysql://a@c/d');
    assert.equal(redactUrl('sqlite:a:b@c'), 'sqlite:a:b@c');
  });
});

describe('dbUrlFromKatibEnv', () => {
  const cases: [string, Record<string, string>, string | undefined][] = [
    ['no DB_NAME', {}, undefined],
    ['empty DB_NAME', { DB_NAME: '' }, undefined],
    ['mysql defaults', { DB_NAME: 'mysql' }, 'mysql://root@katib-mysql:3306/katib'],
    [
      'mysql with everything set',
      {
        DB_NAME: 'mysql',
        DB_USER: 'katib',
        DB_PASSWORD: 'p@ss/w:rd',
        KATIB_MYSQL_DB_HOST: '10.0.0.7',
        KATIB_MYSQL_DB_PORT: '13306',
        KATIB_MYSQL_DB_DATABASE: 'tuning',
      },
      'mysql://katib:p%40ss%2Fw%3Ard@10.0.0.7:13306/tuning',
    ],
    [
      'postgres defaults',
      { DB_NAME: 'postgres' },
      'postgres://katib@katib-postgres:5432/katib?sslmode=disable',
    ],
    [
      'postgres with everything set',
      {
        DB_NAME: 'postgres',
        DB_USER: 'admin',
        DB_PASSWORD: 'pw',
        KATIB_POSTGRESQL_DB_HOST: 'pg.local',
        KATIB_POSTGRESQL_DB_PORT: '6432',
        KATIB_POSTGRESQL_DB_DATABASE: 'k',
        KATIB_POSTGRESQL_SSL_MODE: 'verify-full',
        KATIB_MYSQL_DB_HOST: 'ignored',
      },
      'postgres://admin:pw@pg.local:6432/k?sslmode=verify-full',
    ],
    [
      'an IPv6 host',
      { DB_NAME: 'postgres', KATIB_POSTGRESQL_DB_HOST: '::1' },
      'postgres://katib@[::1]:5432/katib?sslmode=disable',
    ],
  ];
  for (const [name, env, url] of cases) {
    it(name, () => {
      assert.equal(dbUrlFromKatibEnv(env), url);
      if (url !== undefined) assert.ok(parseDbUrl(url)); // what it builds, parseDbUrl takes
    });
  }
  it('round-trips credentials through parseDbUrl', () => {
    const url = dbUrlFromKatibEnv({ DB_NAME: 'mysql', DB_USER: 'us er', DB_PASSWORD: 'p@ss/w:rd' });
    assert.deepEqual(parseDbUrl(url as string), {
      dialect: 'mysql',
      host: 'katib-mysql',
      port: 3306,
      user: 'us er',
      password: 'p@ss/w:rd',
      database: 'katib',
    });
  });

  const bad: [Record<string, string>, string, RegExp][] = [
    [{ DB_NAME: 'sqlite' }, 'DB_NAME', /"sqlite" must be mysql or postgres/],
    [{ DB_NAME: 'MySQL' }, 'DB_NAME', /must be mysql or postgres/],
    [
      { DB_NAME: 'mysql', KATIB_MYSQL_DB_PORT: 'abc' },
      'KATIB_MYSQL_DB_PORT',
      /"abc" must be a port number from 1 to 65535/,
    ],
    [{ DB_NAME: 'mysql', KATIB_MYSQL_DB_PORT: '70000' }, 'KATIB_MYSQL_DB_PORT', /must be a port number/],
    [
      { DB_NAME: 'postgres', KATIB_POSTGRESQL_DB_PORT: '0' },
      'KATIB_POSTGRESQL_DB_PORT',
      /must be a port number/,
    ],
    [
      { DB_NAME: 'mysql', KATIB_MYSQL_DB_HOST: 'a/b' },
      'KATIB_MYSQL_DB_HOST',
      /must be a host name or IP address/,
    ],
    [
      { DB_NAME: 'postgres', KATIB_POSTGRESQL_SSL_MODE: 'on' },
      'KATIB_POSTGRESQL_SSL_MODE',
      /"on" must be one of disable, allow, prefer, require, verify-ca, verify-full/,
    ],
  ];
  for (const [env, field, message] of bad) {
    it(`rejects ${JSON.stringify(env)}`, () => throwsInvalid(() => dbUrlFromKatibEnv(env), field, message));
  }
});
