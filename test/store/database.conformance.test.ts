import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { type Database, MIGRATIONS, openDatabase } from '../../src/store/index.js';
import { testDatabases } from '../support/databases.js';
import { freePort } from '../support/fixtures.js';
import { log, rejectsWith, T0, trialNames } from './helpers.js';
import { createKatibTable, indexNames, insertKatibRow } from './katib-tables.js';
import { TcpProxy } from './tcp-proxy.js';

const CRASH_FIXTURE = fileURLToPath(new URL('./fixtures/report-then-crash.ts', import.meta.url));

// openDatabase on every dialect: migrations (idempotent, adopting Katib's table, refusing a newer
// schema), durability across a crash, closing, unreachable databases and recovery.
for (const target of await testDatabases()) {
  describe(`Database conformance: ${target.label}`, { skip: target.skipReason }, () => {
    if (target.skipReason !== undefined) return;
    const { dialect } = target;
    let db: Database;
    const trial = trialNames();

    before(async () => {
      db = await openDatabase(target.url, { connectTimeoutSeconds: 10 });
    });
    after(async () => {
      await db?.close();
    });

    it('survives closing and reopening; migrations run again as a no-op', async () => {
      const url = await target.fresh();
      const first = await openDatabase(url);
      const t = trial();
      await first.observations.report(t, [log(T0, 'loss', '0.1')]);
      await first.close();
      await first.close(); // idempotent
      await rejectsWith(first.observations.get(t), 'unavailable', /closed/);
      const second = await openDatabase(url);
      try {
        assert.deepEqual(await second.observations.get(t), [log(T0, 'loss', '0.1')]);
        const applied = await sql<{
          name: string;
        }>`SELECT name FROM katib_ts_migrations ORDER BY name`.execute(second.kysely);
        assert.deepEqual(
          applied.rows.map((r) => r.name),
          MIGRATIONS.map((m) => m.name),
        );
      } finally {
        await second.close();
      }
    });

    it('lets several openers of one new database migrate it at the same time', async () => {
      const url = await target.fresh();
      const all = await Promise.all(Array.from({ length: 4 }, () => openDatabase(url)));
      try {
        await Promise.all(all.map((d, i) => d.observations.report('shared', [log(T0 + i, 'm', String(i))])));
        const applied = await sql<{ name: string }>`SELECT name FROM katib_ts_migrations`.execute(
          all[0]!.kysely,
        );
        assert.equal(applied.rows.length, MIGRATIONS.length);
        assert.equal((await all[3]!.observations.get('shared')).length, 4);
      } finally {
        await Promise.all(all.map((d) => d.close()));
      }
    });

    it('waits for another process holding the SQLite write lock, up to the connect timeout', {
      skip: dialect !== 'sqlite' && 'SQLite only',
    }, async () => {
      const url = await target.fresh();
      await (await openDatabase(url)).close();
      const other = new BetterSqlite3(url.slice('sqlite:'.length));
      try {
        other.exec('BEGIN IMMEDIATE');
        await rejectsWith(
          openDatabase(url, { connectTimeoutSeconds: 0.2 }),
          'unavailable',
          /sqlite database unavailable .*locked/,
        );
        const release = setTimeout(() => other.exec('COMMIT'), 300);
        const started = Date.now();
        const opened = await openDatabase(url, { connectTimeoutSeconds: 10 });
        clearTimeout(release);
        assert.ok(Date.now() - started >= 250, 'it did not wait for the lock');
        await opened.close();
      } finally {
        other.close();
      }
    });

    it('adopts an existing Katib-made table: adds the index, reads its rows, writes beside them', async () => {
      const url = await target.fresh();
      const raw = await openDatabase(url, { skipInitialization: true });
      try {
        await createKatibTable(raw);
        await insertKatibRow(raw, 'katib-trial', '2026-01-02 03:04:05.123456', 'loss', '0.42');
        assert.deepEqual(await indexNames(raw), []);
      } finally {
        await raw.close();
      }
      for (let round = 0; round < 2; round++) {
        const adopted = await openDatabase(url);
        try {
          assert.deepEqual(await indexNames(adopted), ['observation_logs_trial_time_id']);
          await adopted.observations.report('katib-trial', [log(T0, 'loss', `ours-${round}`)]);
          const got = await adopted.observations.get('katib-trial');
          assert.deepEqual(got[0], log(T0, 'loss', '0.42'));
          assert.equal(got.length, round + 2);
        } finally {
          await adopted.close();
        }
      }
    });

    it('with skipInitialization leaves the schema alone, and a missing table is an internal error', async () => {
      const empty = await openDatabase(await target.fresh(), { skipInitialization: true });
      try {
        await rejectsWith(
          empty.observations.report(trial(), [log(T0, 'x', '1')]),
          'internal',
          /observation_logs/,
        );
        await empty.ping();
      } finally {
        await empty.close();
      }
    });

    it('refuses a database migrated by a newer katib-ts', async () => {
      const url = await target.fresh();
      const newer = await openDatabase(url);
      await sql`INSERT INTO katib_ts_migrations (name, timestamp) VALUES ('9999-from-the-future', '2030-01-01T00:00:00.000Z')`.execute(
        newer.kysely,
      );
      await newer.close();
      await rejectsWith(openDatabase(url), 'failed_precondition', /newer katib-ts/);
    });

    it('keeps what a report stored when the process is killed right after', async () => {
      const url = await target.fresh();
      const child = spawn(process.execPath, ['--import', 'tsx', CRASH_FIXTURE, url, '1000'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
      });
      const [code, signal] = await once(child, 'exit');
      assert.equal(out, 'stored\n');
      assert.deepEqual([code, signal], [null, 'SIGKILL']);
      const reopened = await openDatabase(url);
      try {
        const got = await reopened.observations.get('crash-trial');
        assert.equal(got.length, 1000);
        assert.equal(got.at(-1)?.value, '999');
      } finally {
        await reopened.close();
      }
    });

    it('waits for in-flight calls on close, then refuses new ones', async () => {
      const other = await openDatabase(target.url);
      const t = trial();
      const pending = other.observations.report(
        t,
        Array.from({ length: 5000 }, (_, i) => log(T0 + i, 'm', String(i))),
      );
      // Both wait for the report: the store's own close and the database's (which closes the store again).
      let done = false;
      void pending.then(() => {
        done = true;
      });
      await Promise.all([other.observations.close(), other.close()]);
      assert.ok(done || dialect === 'sqlite', 'close resolved before the report'); // SQLite writes synchronously
      await pending;
      await rejectsWith(other.observations.report(t, [log(T0, 'm', 'late')]), 'unavailable');
      assert.equal((await db.observations.get(t)).length, 5000);
    });

    it('rejects unavailable, quickly, naming the database and the cause, when it cannot be reached', async () => {
      const url =
        dialect === 'sqlite'
          ? 'sqlite:/dev/null/cannot/be/a/directory.db'
          : target.url.replace(/@[^/]+\//, `@127.0.0.1:${await freePort()}/`);
      const started = Date.now();
      const err = await rejectsWith(openDatabase(url, { connectTimeoutSeconds: 0.5 }), 'unavailable');
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
      assert.match(err.message, new RegExp(`${dialect} database`));
      assert.match(err.message, dialect === 'sqlite' ? /directory\.db/ : /ECONNREFUSED/);
    });

    it('rejects unavailable while the server is unreachable, and recovers when it is back', {
      skip: dialect === 'sqlite' && 'no server',
    }, async () => {
      const { hostname, port } = new URL(target.url);
      const proxy = new TcpProxy(hostname, Number(port));
      await proxy.start();
      const proxied = await openDatabase(target.url.replace(/@[^/]+\//, `@127.0.0.1:${proxy.port}/`));
      try {
        const t = trial();
        await proxied.observations.report(t, [log(T0, 'm', 'before')]);
        await proxy.stop();
        const cause = new RegExp(
          `^${dialect} database unavailable during (report|get|ping|delete): .*(ECONNREFUSED|terminated|closed|lost)`,
          'i',
        );
        await rejectsWith(proxied.observations.report(t, [log(T0, 'm', 'lost')]), 'unavailable', cause);
        await rejectsWith(proxied.observations.get(t), 'unavailable', cause);
        await rejectsWith(proxied.observations.delete(t), 'unavailable', cause);
        await rejectsWith(proxied.ping(), 'unavailable', cause);
        await proxy.start();
        await proxied.ping();
        await proxied.observations.report(t, [log(T0 + 1, 'm', 'after')]);
        assert.deepEqual(
          (await proxied.observations.get(t)).map((l) => l.value),
          ['before', 'after'],
        );
      } finally {
        await proxy.stop();
        await proxied.close();
      }
    });

    it('recovers by itself after the server drops every connection', {
      skip: dialect === 'sqlite' && 'no server',
    }, async () => {
      const [t, gone] = [trial(), trial()];
      // Several pooled connections, all idle when the server drops them.
      await Promise.all([
        db.observations.report(gone, [log(T0, 'm', 'x')]),
        db.observations.get(t),
        db.ping(),
      ]);
      const calls: [string, () => Promise<unknown>][] = [
        ['ping', () => db.ping()],
        ['get', () => db.observations.get(t)],
        ['report', () => db.observations.report(t, [log(T0, 'm', 'after report')])],
        [
          'reportMany',
          () => db.observations.reportMany([{ trialName: t, logs: [log(T0 + 1, 'm', 'after reportMany')] }]),
        ],
        ['delete', async () => assert.equal(await db.observations.delete(gone), 1)],
        [
          'parallel reports',
          () =>
            Promise.all(
              Array.from({ length: 20 }, (_, i) => db.observations.report(t, [log(T0 + 2 + i, 'm', `${i}`)])),
            ),
        ],
      ];
      for (const [name, call] of calls) {
        assert.ok((await target.killConnections(target.url)) > 0, `no connection to kill before ${name}`);
        await call();
      }
      assert.equal((await db.observations.get(t)).length, 22);
    });
  });
}
