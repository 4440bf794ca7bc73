import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../src/store/index.js';
import { TestGrpcClient } from '../dbmanager/grpc-clients.js';
import { CliProcess, runCli } from './spawn-cli.js';

const FREE = ['--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0'];

describe('katib db-manager', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'katib-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('logs one ready line with both addresses and the database, serves, and exits 0 on SIGTERM', async () => {
    const dbFile = join(dir, 'ready.db');
    const cli = new CliProcess(['db-manager', ...FREE, '--db', `sqlite:${dbFile}`]);
    const ready = await cli.waitForLog('db manager ready');
    assert.match(String(ready.grpcAddress), /^127\.0\.0\.1:\d+$/);
    assert.match(String(ready.httpAddress), /^127\.0\.0\.1:\d+$/);
    assert.equal(ready.database, `sqlite:${dbFile}`);

    const grpc = new TestGrpcClient(String(ready.grpcAddress));
    await grpc.report({
      trialName: 'cli-trial',
      observationLog: {
        metricLogs: [{ timeStamp: '2026-01-01T00:00:00Z', metric: { name: 'loss', value: '0.25' } }],
      },
    });
    grpc.close();
    const res = await fetch(`http://${ready.httpAddress}/api.v1.beta1.DBManager/ReportObservationLog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        trialName: 'cli-trial',
        observationLog: {
          metricLogs: [{ timeStamp: '2026-01-01T00:00:01Z', metric: { name: 'loss', value: '0.2' } }],
        },
      }),
    });
    assert.equal(res.status, 200, await res.text());

    cli.kill('SIGTERM');
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
    assert.ok(
      cli.logLines().some((l) => l.msg === 'db manager stopped'),
      cli.stdout,
    );
    assert.equal(cli.stderr, '');

    const db = await openDatabase(`sqlite:${dbFile}`);
    try {
      assert.deepEqual(
        (await db.observations.get('cli-trial')).map((l) => l.value),
        ['0.25', '0.2'],
      );
    } finally {
      await db.close();
    }
  });

  it('takes its settings from KATIB_DB_MANAGER_LISTEN, KATIB_HTTP_LISTEN and KATIB_DB_URL, and stops on SIGINT', async () => {
    const dbFile = join(dir, 'env.db');
    const cli = new CliProcess(['db-manager'], {
      KATIB_DB_MANAGER_LISTEN: '127.0.0.1:0',
      KATIB_HTTP_LISTEN: 'off',
      KATIB_DB_URL: `sqlite:${dbFile}`,
    });
    const ready = await cli.waitForLog('db manager ready');
    assert.equal(ready.httpAddress, null);
    assert.equal(ready.database, `sqlite:${dbFile}`);
    cli.kill('SIGINT');
    assert.equal((await cli.exited).code, 0);
  });

  it('answers a bad flag or variable with one line naming it, the value and the rule, and exit 2', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        ['--listen', 'nonsense'],
        {},
        /^katib db-manager: --listen: "nonsense" must be HOST:PORT with PORT 0-65535/,
      ],
      [
        ['--http-listen', '127.0.0.1:70000'],
        {},
        /^katib db-manager: --http-listen: "127\.0\.0\.1:70000" must be HOST:PORT/,
      ],
      [
        [],
        { KATIB_DB_MANAGER_LISTEN: ':6789' },
        /^katib db-manager: KATIB_DB_MANAGER_LISTEN: ":6789" must be HOST:PORT/,
      ],
      [
        ['--db', 'oracle://scott:tiger@db/x'],
        {},
        /^katib db-manager: --db: "oracle:\/\/scott:\*\*\*@db\/x" is not a database URL; use sqlite:PATH/,
      ],
      [
        [],
        { KATIB_DB_URL: 'katib.db' },
        /^katib db-manager: KATIB_DB_URL: "katib\.db" is not a database URL/,
      ],
      [[], { DB_NAME: 'oracle' }, /^katib db-manager: DB_NAME: "oracle" must be mysql or postgres/],
      [
        ['--db-connect-timeout', '0'],
        {},
        /^katib db-manager: --db-connect-timeout: "0" must be a positive number of seconds/,
      ],
      [
        [],
        { SKIP_DB_INITIALIZATION: 'maybe' },
        /^katib db-manager: SKIP_DB_INITIALIZATION: "maybe" must be true or false/,
      ],
      [['--bogus'], {}, /^error: unknown option '--bogus'/],
      [['extra'], {}, /^error: too many arguments for 'db-manager'/],
    ];
    for (const [args, env, message] of cases) {
      const { code, stderr, stdout } = await runCli(['db-manager', ...args], env, dir);
      assert.equal(code, 2, `${args.join(' ')} ${JSON.stringify(env)}: ${stderr}`);
      assert.match(stderr, message);
      assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
      assert.equal(stdout, '');
    }
  });

  it('exits 1 with one line when the database never answers, naming it without its password', async () => {
    const { code, stderr } = await runCli(
      ['db-manager', ...FREE, '--db', 'mysql://root:secret@127.0.0.1:1/katib', '--db-connect-timeout', '1'],
      {},
      dir,
    );
    assert.equal(code, 1, stderr);
    assert.match(
      stderr,
      /^katib db-manager: cannot open database mysql:\/\/root:\*\*\*@127\.0\.0\.1:1\/katib: /,
    );
    assert.doesNotMatch(stderr, /secret/);
    assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
  });

  it("honours Katib's DB_NAME/DB_USER/KATIB_MYSQL_DB_* variables when no --db or KATIB_DB_URL is given", async () => {
    const { code, stderr } = await runCli(
      ['db-manager', ...FREE, '--db-connect-timeout', '1'],
      {
        DB_NAME: 'mysql',
        DB_USER: 'katib',
        DB_PASSWORD: 'pw',
        KATIB_MYSQL_DB_HOST: '127.0.0.1',
        KATIB_MYSQL_DB_PORT: '1',
      },
      dir,
    );
    assert.equal(code, 1, stderr);
    assert.match(stderr, /cannot open database mysql:\/\/katib:\*\*\*@127\.0\.0\.1:1\/katib: /);
  });

  it('exits 1 with one line when its port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, stderr } = await runCli(
        [
          'db-manager',
          '--listen',
          '127.0.0.1:0',
          '--http-listen',
          `127.0.0.1:${port}`,
          '--db',
          'sqlite::memory:',
        ],
        {},
        dir,
      );
      assert.equal(code, 1, stderr);
      assert.match(
        stderr,
        new RegExp(`^katib db-manager: cannot listen for HTTP on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
      );
      assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
    } finally {
      blocker.close();
    }
  });

  it('lists db-manager in katib --help', async () => {
    const { code, stdout } = await runCli(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /db-manager/);
  });
});
