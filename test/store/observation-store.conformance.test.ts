import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { KatibError } from '../../src/api/errors.js';
import type { MetricLog } from '../../src/api/observation.js';
import { formatRfc3339, parseRfc3339 } from '../../src/api/time.js';
import { type Database, MIGRATIONS, openDatabase } from '../../src/store/index.js';
import { testDatabases } from '../support/databases.js';
import { createKatibTable, indexNames, insertKatibRow } from './katib-tables.js';

const T0 = parseRfc3339('2026-01-02T03:04:05.123456Z', 't0');
const log = (time: number, name: string, value: string): MetricLog => ({ time, name, value });

async function rejectsWith(promise: Promise<unknown>, code: string, message?: RegExp): Promise<KatibError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof KatibError, `expected a KatibError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected a rejection with ${code}`);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

for (const target of await testDatabases()) {
  describe(`ObservationStore conformance: ${target.label}`, { skip: target.skipReason }, () => {
    if (target.skipReason !== undefined) return;
    const { dialect } = target;
    let db: Database;
    let trialSeq = 0;
    // Every test writes under its own trial names, so tests stay independent in one database.
    const trial = (label = 'trial') => `${label}-${++trialSeq}`;

    before(async () => {
      db = await openDatabase(target.url, { connectTimeoutSeconds: 10 });
    });
    after(async () => {
      await db?.close();
    });

    it('stores what report gets and returns it', async () => {
      const t = trial();
      const logs = [log(T0, 'loss', '0.5'), log(T0 + 1, 'accuracy', '0.93'), log(T0 + 2, 'loss', '0.25')];
      await db.observations.report(t, logs);
      assert.deepEqual(await db.observations.get(t), logs);
      assert.equal(db.dialect, dialect);
    });

    it('keeps times to the microsecond in UTC, whatever zone the input and the process use', async () => {
      const t = trial();
      const inputs = [
        ['2026-01-02T03:04:05.000001+05:30', '2026-01-01T21:34:05.000001Z'],
        ['1999-12-31T23:59:59.999999-05:00', '2000-01-01T04:59:59.999999Z'],
        ['2026-03-29T01:30:00.5+01:00', '2026-03-29T00:30:00.500000Z'],
        ['2026-10-25T02:30:00.123456+02:00', '2026-10-25T00:30:00.123456Z'],
        ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000000Z'],
        ['2106-02-07T06:28:16.999999Z', '2106-02-07T06:28:16.999999Z'],
      ] as const;
      const zone = process.env.TZ;
      process.env.TZ = 'Asia/Kathmandu'; // +05:45: any local-time conversion would show
      try {
        await db.observations.report(
          t,
          inputs.map(([input], i) => log(parseRfc3339(input, 'time'), `m${i}`, String(i))),
        );
        const got = await db.observations.get(t);
        const byName = new Map(got.map((l) => [l.name, formatRfc3339(l.time)]));
        for (const [i, [input, utc]] of inputs.entries())
          assert.equal(byName.get(`m${i}`), utc, `input ${input}`);
      } finally {
        if (zone === undefined) delete process.env.TZ;
        else process.env.TZ = zone;
      }
    });

    it('orders by time, and equal times in insertion order (within and across calls)', async () => {
      const t = trial();
      await db.observations.report(t, [log(T0 + 10, 'a', '1'), log(T0, 'a', '2'), log(T0, 'b', '3')]);
      await db.observations.report(t, [log(T0, 'c', '4'), log(T0 + 5, 'a', '5')]);
      await db.observations.reportMany([
        { trialName: t, logs: [log(T0, 'd', '6')] },
        { trialName: trial('other'), logs: [log(T0, 'd', 'x')] },
        { trialName: t, logs: [log(T0 + 10, 'e', '7')] },
      ]);
      assert.deepEqual(
        (await db.observations.get(t)).map((l) => l.value),
        ['2', '3', '4', '6', '5', '1', '7'],
      );
    });

    it('filters by metric name, start and end time (inclusive), and their combination', async () => {
      const t = trial();
      const logs = [0, 1, 2, 3, 4, 5].map((i) => log(T0 + i, i % 2 === 0 ? 'loss' : 'accuracy', String(i)));
      await db.observations.report(t, logs);
      const values = async (q: Parameters<Database['observations']['get']>[1]) =>
        (await db.observations.get(t, q)).map((l) => l.value);
      assert.deepEqual(await values({ metricName: 'loss' }), ['0', '2', '4']);
      assert.deepEqual(await values({ startTime: T0 + 2 }), ['2', '3', '4', '5']);
      assert.deepEqual(await values({ endTime: T0 + 2 }), ['0', '1', '2']);
      assert.deepEqual(await values({ startTime: T0 + 1, endTime: T0 + 4 }), ['1', '2', '3', '4']);
      assert.deepEqual(await values({ metricName: 'accuracy', startTime: T0 + 2, endTime: T0 + 5 }), [
        '3',
        '5',
      ]);
      assert.deepEqual(await values({ metricName: 'loss', startTime: T0 + 4, endTime: T0 + 4 }), ['4']);
      assert.deepEqual(await values({}), ['0', '1', '2', '3', '4', '5']);
    });

    it('returns [] for an unknown trial, an unknown metric, an empty range and an inverted one', async () => {
      const t = trial();
      await db.observations.report(t, [log(T0, 'loss', '1')]);
      assert.deepEqual(await db.observations.get(trial('never')), []);
      assert.deepEqual(await db.observations.get(t, { metricName: 'nope' }), []);
      assert.deepEqual(await db.observations.get(t, { startTime: T0 + 1 }), []);
      assert.deepEqual(await db.observations.get(t, { startTime: T0 + 1, endTime: T0 - 1 }), []);
      await db.observations.report(t, []);
      await db.observations.reportMany([]);
      await db.observations.reportMany([{ trialName: t, logs: [] }]);
      assert.equal((await db.observations.get(t)).length, 1);
    });

    it('deletes one trial, counting its rows, leaving others alone', async () => {
      const [a, b] = [trial(), trial()];
      await db.observations.report(a, [log(T0, 'x', '1'), log(T0, 'y', '2'), log(T0 + 1, 'x', '3')]);
      await db.observations.report(b, [log(T0, 'x', '9')]);
      assert.equal(await db.observations.delete(a), 3);
      assert.deepEqual(await db.observations.get(a), []);
      assert.deepEqual(await db.observations.get(b), [log(T0, 'x', '9')]);
      assert.equal(await db.observations.delete(a), 0);
      assert.equal(await db.observations.delete(trial('never')), 0);
    });

    it('reportMany stores all or nothing, even across insert chunks', async () => {
      const [a, b] = [trial(), trial()];
      const many = Array.from({ length: 20_000 }, (_, i) => log(T0 + i, 'loss', String(i)));
      const poisoned = [...many, log(T0, 'loss', null as unknown as string)];
      await rejectsWith(
        db.observations.reportMany([
          { trialName: a, logs: [log(T0, 'x', '1')] },
          { trialName: b, logs: poisoned },
        ]),
        'internal',
        new RegExp(dialect),
      );
      assert.deepEqual(await db.observations.get(a), []);
      assert.deepEqual(await db.observations.get(b), []);
      await db.observations.reportMany([
        { trialName: a, logs: [log(T0, 'x', '1')] },
        { trialName: b, logs: many },
      ]);
      const stored = await db.observations.get(b);
      assert.equal(stored.length, many.length);
      assert.deepEqual(stored.at(-1), many.at(-1));
      assert.equal((await db.observations.get(a)).length, 1);
    });

    it('keeps unicode and 255-character names, long values, and names that differ in case or trailing space', async () => {
      const long = `${'ü'.repeat(100)}${'😀'.repeat(5)}${'n'.repeat(150)}`; // 255 characters
      assert.equal([...long].length, 255);
      const metric = `${'μ'.repeat(200)}${'指标'.repeat(27)}a`;
      assert.equal([...metric].length, 255);
      const value = 'v'.repeat(10_000);
      await db.observations.report(long, [
        log(T0, metric, '0.5'),
        log(T0 + 1, 'Loss', 'é'),
        log(T0 + 2, 'loss', value),
      ]);
      await db.observations.report(long, [log(T0 + 3, 'loss ', 'trailing')]);
      assert.deepEqual(await db.observations.get(long, { metricName: metric }), [log(T0, metric, '0.5')]);
      assert.deepEqual(await db.observations.get(long, { metricName: 'Loss' }), [log(T0 + 1, 'Loss', 'é')]);
      assert.deepEqual(await db.observations.get(long, { metricName: 'loss' }), [log(T0 + 2, 'loss', value)]);
      assert.deepEqual(await db.observations.get(long, { metricName: 'loss ' }), [
        log(T0 + 3, 'loss ', 'trailing'),
      ]);
      assert.deepEqual(await db.observations.get(long.toUpperCase()), []);
      assert.equal(await db.observations.delete(long), 4);
    });

    it('keeps values as the exact strings reported', async () => {
      const t = trial();
      const values = [
        '0.93',
        '0.930',
        '1e-7',
        '1E-7',
        '-0',
        'NaN',
        'inf',
        '1.0000000000000000001',
        'unavailable',
        '',
        ' 1 ',
        'it\'s "quoted" \\ ;',
      ];
      await db.observations.report(
        t,
        values.map((v, i) => log(T0 + i, 'm', v)),
      );
      assert.deepEqual(
        (await db.observations.get(t)).map((l) => l.value),
        values,
      );
    });

    it('stores every row of many parallel reports', async () => {
      const trials = Array.from({ length: 8 }, () => trial());
      const calls = Array.from({ length: 200 }, (_, i) => {
        const t = trials[i % trials.length] as string;
        const logs = [log(T0 + i, 'loss', `${i}a`), log(T0 + i, 'acc', `${i}b`)];
        return i % 3 === 0
          ? db.observations.reportMany([{ trialName: t, logs }])
          : db.observations.report(t, logs);
      });
      await Promise.all(calls);
      const counts = await Promise.all(trials.map((t) => db.observations.get(t).then((l) => l.length)));
      assert.equal(
        counts.reduce((x, y) => x + y, 0),
        400,
      );
      assert.ok(counts.every((c) => c === 50));
    });

    it('pings', async () => {
      await db.ping();
      await db.observations.ping();
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

    it('waits for in-flight calls on close, then refuses new ones', async () => {
      const other = await openDatabase(target.url);
      const t = trial();
      const pending = other.observations.report(
        t,
        Array.from({ length: 5000 }, (_, i) => log(T0 + i, 'm', String(i))),
      );
      await other.close();
      await pending;
      await rejectsWith(other.observations.report(t, [log(T0, 'm', 'late')]), 'unavailable');
      assert.equal((await db.observations.get(t)).length, 5000);
    });

    it('rejects unavailable, quickly, naming the database and the cause, when it cannot be reached', async () => {
      const url =
        dialect === 'sqlite'
          ? 'sqlite:/dev/null/cannot/be/a/directory.db'
          : target.url.replace(/@[^/]+\//, `@127.0.0.1:${await closedPort()}/`);
      const started = Date.now();
      const err = await rejectsWith(openDatabase(url, { connectTimeoutSeconds: 0.5 }), 'unavailable');
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
      assert.match(err.message, new RegExp(`${dialect} database`));
      assert.match(err.message, dialect === 'sqlite' ? /directory\.db/ : /ECONNREFUSED/);
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
