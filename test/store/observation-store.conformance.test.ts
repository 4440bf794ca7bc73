import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatRfc3339, parseRfc3339 } from '../../src/api/time.js';
import { type Dialect, openDatabase } from '../../src/store/index.js';
import type { ObservationStore } from '../../src/store/observation-store.js';
import { testDatabases } from '../support/databases.js';
import { MemoryObservationStore } from '../support/memory-observation-store.js';
import { log, rejectsWith, T0, trialNames } from './helpers.js';

// The ObservationStore contract (src/store/observation-store.ts), the same tests on every dialect
// and on the in-memory double other suites use as a seam (test/support/memory-observation-store.ts),
// so the double cannot drift from the real store. Opening, migrating, faults and recovery:
// database.conformance.test.ts.

/** A store under test: SQL ones name their dialect (their faults name it too). */
interface OpenedStore {
  observations: ObservationStore;
  dialect?: Dialect;
  ping(): Promise<void>;
  close(): Promise<void>;
}

interface Subject {
  label: string;
  skipReason?: string | undefined;
  open(): Promise<OpenedStore>;
}

const subjects: Subject[] = [
  ...(await testDatabases()).map((target) => ({
    label: target.label,
    skipReason: target.skipReason,
    open: async (): Promise<OpenedStore> => {
      const db = await openDatabase(target.url!, { connectTimeoutSeconds: 10 });
      return {
        observations: db.observations,
        dialect: db.dialect,
        ping: () => db.ping(),
        close: () => db.close(),
      };
    },
  })),
  {
    label: 'memory double',
    open: async () => {
      const observations = new MemoryObservationStore();
      return { observations, ping: () => observations.ping(), close: () => observations.close() };
    },
  },
];

for (const subject of subjects) {
  describe(`ObservationStore conformance: ${subject.label}`, { skip: subject.skipReason }, () => {
    if (subject.skipReason !== undefined) return;
    let db: OpenedStore;
    const trial = trialNames();

    before(async () => {
      db = await subject.open();
    });
    after(async () => {
      await db?.close();
    });

    it('stores what report gets and returns it', async () => {
      const t = trial();
      const logs = [log(T0, 'loss', '0.5'), log(T0 + 1, 'accuracy', '0.93'), log(T0 + 2, 'loss', '0.25')];
      await db.observations.report(t, logs);
      assert.deepEqual(await db.observations.get(t), logs);
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
      const values = async (q: Parameters<ObservationStore['get']>[1]) =>
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

    it('reportMany stores all or nothing, even across insert chunks', async (t) => {
      // Only a database refuses a row (the NOT NULL value); the double trusts its callers.
      const { dialect } = db;
      if (dialect === undefined) return t.skip('no database to refuse a row');
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
  });
}
