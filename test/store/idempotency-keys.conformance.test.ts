import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MetricLog } from '../../src/api/observation.js';
import { nowMicros } from '../../src/api/time.js';
import { openDatabase } from '../../src/store/index.js';
import type { ObservationStore } from '../../src/store/observation-store.js';
import { type AvailableDatabase, testDatabases } from '../support/databases.js';
import { MemoryObservationStore } from '../support/memory-observation-store.js';
import { log, T0, trialNames } from './helpers.js';
import { createKatibTable } from './katib-tables.js';

// The idempotency keys of the ObservationStore contract (src/store/observation-store.ts), the same
// tests on every dialect and on the in-memory double (test/support/memory-observation-store.ts);
// what only a database does (a failed transaction, Katib's schema, pruning) is skipped on the double.

/** Two handles on one store, as two DB manager processes would have. */
interface Handles {
  db: { observations: ObservationStore };
  other: { observations: ObservationStore };
  close(): Promise<void>;
}

interface Subject {
  label: string;
  skipReason?: string | undefined;
  /** The database, for the tests only a database can pass. */
  sql?: AvailableDatabase;
  open(): Promise<Handles>;
}

const subjects: Subject[] = [
  ...(await testDatabases()).map(
    (target): Subject => ({
      label: target.label,
      skipReason: target.skipReason,
      ...(target.skipReason === undefined ? { sql: target } : {}),
      open: async () => {
        const db = await openDatabase(target.url!, { connectTimeoutSeconds: 10 });
        // A second handle: its own connection (pool), as a second DB manager process would have.
        const other = await openDatabase(target.url!, { connectTimeoutSeconds: 10 });
        return {
          db,
          other,
          close: async () => {
            await other.close();
            await db.close();
          },
        };
      },
    }),
  ),
  {
    label: 'memory double',
    open: async () => {
      const observations = new MemoryObservationStore();
      return { db: { observations }, other: { observations }, close: () => observations.close() };
    },
  },
];

for (const subject of subjects) {
  describe(`ObservationStore idempotency keys: ${subject.label}`, { skip: subject.skipReason }, () => {
    if (subject.skipReason !== undefined) return;
    let handles: Handles;
    const db = {
      get observations() {
        return handles.db.observations;
      },
    };
    const other = {
      get observations() {
        return handles.other.observations;
      },
    };
    const target = subject.sql;
    const names = trialNames();
    const trial = () => names('keys');
    let seq = 0;
    const key = (label = 'k') => `${label}-${process.pid}-${++seq}`;
    const one = (value: string): MetricLog[] => [log(T0, 'loss', value)];
    const values = async (t: string) => (await db.observations.get(t)).map((l) => l.value);

    before(async () => {
      handles = await subject.open();
    });
    after(async () => {
      await handles?.close();
    });

    it('stores a report once however often its key comes again, and says which call stored it', async () => {
      const t = trial();
      const k = key();
      assert.equal(await db.observations.report(t, one('0.5'), k), true);
      assert.equal(await db.observations.report(t, one('0.5'), k), false);
      assert.equal(await other.observations.report(t, one('0.5'), k), false);
      assert.deepEqual(await values(t), ['0.5']);
    });

    it('stores reports with different keys, and reports without a key every time', async () => {
      const t = trial();
      assert.equal(await db.observations.report(t, one('1'), key()), true);
      assert.equal(await db.observations.report(t, one('2'), key()), true);
      assert.equal(await db.observations.report(t, one('3')), true);
      assert.equal(await db.observations.report(t, one('3')), true);
      assert.deepEqual(await values(t), ['1', '2', '3', '3']);
    });

    it('compares keys byte for byte (case matters, on MySQL too)', async () => {
      const t = trial();
      const k = key('Case');
      assert.equal(await db.observations.report(t, one('upper'), k), true);
      assert.equal(await db.observations.report(t, one('lower'), k.toLowerCase()), true);
      assert.deepEqual((await values(t)).sort(), ['lower', 'upper']);
    });

    it('stores a key once within one reportMany: the first entry with it wins', async () => {
      const [a, b] = [trial(), trial()];
      const [k1, k2] = [key(), key()];
      const stored = await db.observations.reportMany([
        { trialName: a, logs: one('a1'), idempotencyKey: k1 },
        { trialName: b, logs: one('b1'), idempotencyKey: k1 },
        { trialName: a, logs: one('a2') },
        { trialName: b, logs: one('b2'), idempotencyKey: k2 },
        { trialName: a, logs: one('a3'), idempotencyKey: k2 },
      ]);
      assert.deepEqual(stored, [true, false, true, true, false]);
      assert.deepEqual(await values(a), ['a1', 'a2']);
      assert.deepEqual(await values(b), ['b2']);
    });

    it('in one reportMany, skips keys recorded before and stores the new ones', async () => {
      // On MySQL a batch of new and old keys takes the one-by-one path (INSERT IGNORE's count
      // alone cannot say which keys were new).
      const t = trial();
      const [old1, old2, new1, new2] = [key(), key(), key(), key()];
      await db.observations.report(t, one('old1'), old1);
      await db.observations.report(t, one('old2'), old2);
      const stored = await db.observations.reportMany([
        { trialName: t, logs: one('new1'), idempotencyKey: new1 },
        { trialName: t, logs: one('old1 again'), idempotencyKey: old1 },
        { trialName: t, logs: one('old2 again'), idempotencyKey: old2 },
        { trialName: t, logs: one('new2'), idempotencyKey: new2 },
      ]);
      assert.deepEqual(stored, [true, false, false, true]);
      assert.deepEqual((await values(t)).sort(), ['new1', 'new2', 'old1', 'old2']);
      assert.deepEqual(
        await db.observations.reportMany([{ trialName: t, logs: one('x'), idempotencyKey: old1 }]),
        [false],
      );
    });

    it('stores a key once when many reports with it arrive at once, over two connections', async () => {
      const t = trial();
      const k = key();
      const calls = Array.from({ length: 24 }, (_, i) =>
        (i % 2 === 0 ? db : other).observations.report(t, one(String(i)), k),
      );
      const batches = Array.from({ length: 4 }, (_, i) =>
        (i % 2 === 0 ? other : db).observations.reportMany([
          { trialName: t, logs: one(`batch${i}`), idempotencyKey: key() },
          { trialName: t, logs: one(`batch${i} dup`), idempotencyKey: k },
        ]),
      );
      const results = await Promise.all(calls);
      const batchResults = await Promise.all(batches);
      const stores = results.filter(Boolean).length + batchResults.filter((r) => r[1]).length;
      assert.equal(stores, 1, `stored by ${stores} calls`);
      const got = await values(t);
      assert.equal(got.filter((v) => !v.startsWith('batch') || v.endsWith('dup')).length, 1, String(got));
      assert.equal(got.length, 5);
    });

    it('records no key when the transaction fails, so the retry stores', async (context) => {
      if (target === undefined) return context.skip('a database only');
      const t = trial();
      const k = key();
      // A NULL value breaks the NOT NULL column on every dialect: the batch rolls back.
      const broken = [log(T0, 'loss', null as unknown as string)];
      await assert.rejects(
        db.observations.reportMany([
          { trialName: t, logs: one('kept?'), idempotencyKey: k },
          { trialName: t, logs: broken },
        ]),
      );
      assert.deepEqual(await values(t), []);
      assert.equal(await db.observations.report(t, one('retried'), k), true);
      assert.deepEqual(await values(t), ['retried']);
    });

    it('records no key for a report with no logs', async () => {
      const t = trial();
      const k = key();
      assert.equal(await db.observations.report(t, [], k), true);
      assert.equal(await db.observations.report(t, one('later'), k), true);
      assert.deepEqual(await values(t), ['later']);
    });

    it('ignores keys on a Katib database opened with skipInitialization (no keys table): stored every time', async (context) => {
      if (target === undefined) return context.skip('a database only');
      const url = await target.fresh();
      const katib = await openDatabase(url, { skipInitialization: true, connectTimeoutSeconds: 10 });
      try {
        assert.equal(katib.idempotencyKeys, false, 'says that keys are ignored (the DB manager warns)');
        await createKatibTable(katib);
        const t = trial();
        const k = key();
        assert.equal(await katib.observations.report(t, one('1'), k), true);
        assert.equal(await katib.observations.report(t, one('1'), k), true);
        assert.deepEqual(
          await katib.observations.reportMany([{ trialName: t, logs: one('2'), idempotencyKey: k }]),
          [true],
        );
        assert.equal((await katib.observations.get(t)).length, 3);
        assert.equal(await katib.observations.delete(t), 3);
      } finally {
        await katib.close();
      }
    });

    it("delete removes the trial's keys with its logs, and only its", async () => {
      const [t, keep] = [trial(), trial()];
      const [k, kept] = [key(), key()];
      await db.observations.report(t, one('first'), k);
      await db.observations.report(keep, one('kept'), kept);
      assert.equal(await db.observations.delete(t), 1);
      assert.equal(await db.observations.report(t, one('again'), k), true);
      assert.equal(await db.observations.report(keep, one('kept'), kept), false);
      assert.deepEqual(await values(t), ['again']);
      assert.deepEqual(await values(keep), ['kept']);
    });

    // Last: pruning by age forgets the keys the tests above recorded.
    it('pruneKeys forgets the keys recorded before the time given, and only those; the reports stay', async (context) => {
      if (target === undefined) return context.skip('a database only');
      const t = trial();
      const [old, recent] = [key('old'), key('recent')];
      assert.equal(await db.observations.report(t, one('old'), old), true);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const cut = nowMicros();
      await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(await db.observations.report(t, one('recent'), recent), true);

      const pruned = await db.observations.pruneKeys!(cut);
      assert.ok(pruned >= 1, `${pruned} keys pruned`);
      assert.equal(await db.observations.pruneKeys!(cut), 0, 'nothing left before the time');
      // The reports stay; a retry of the pruned key is taken for a new report, the recent one is not.
      assert.deepEqual(await values(t), ['old', 'recent']);
      assert.equal(await other.observations.report(t, one('old'), old), true);
      assert.equal(await other.observations.report(t, one('recent'), recent), false);
      assert.deepEqual((await values(t)).sort(), ['old', 'old', 'recent']);
    });

    it('pruneKeys on a Katib database without the keys table prunes nothing', async (context) => {
      if (target === undefined) return context.skip('a database only');
      const katib = await openDatabase(await target.fresh(), {
        skipInitialization: true,
        connectTimeoutSeconds: 10,
      });
      try {
        await createKatibTable(katib);
        assert.equal(await katib.observations.pruneKeys!(nowMicros()), 0);
      } finally {
        await katib.close();
      }
    });
  });
}
