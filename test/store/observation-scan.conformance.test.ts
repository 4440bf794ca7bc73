/**
 * ObservationStore.scan on every dialect: the same logs as get, in the same order (time, then
 * insertion order for equal times), a page of at most pageSize at a time, whatever the page size
 * and the filters; the controller folds a trial's observation through it in bounded memory.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricLog, ObservationQuery } from '../../src/api/observation.js';
import { openDatabase } from '../../src/store/index.js';
import { testDatabases } from '../support/databases.js';

const databases = await testDatabases();
const T0 = 1_767_225_600_000_000; // 2026-01-01T00:00:00Z in epoch microseconds

for (const database of databases) {
  describe(`ObservationStore.scan on ${database.label}`, { skip: database.skipReason }, () => {
    if (database.skipReason !== undefined) return;

    it('pages through what get returns, in its order, ties included, for any page size and filter', async () => {
      const db = await openDatabase(await database.fresh());
      try {
        const store = db.observations;
        assert.ok(store.scan, 'the SQL store scans');
        // 5 time stamps, each shared by several points of two metrics (ties across page borders).
        const logs: MetricLog[] = [];
        for (let t = 0; t < 5; t++) {
          for (let k = 0; k < 7; k++)
            logs.push({ time: T0 + t, name: k % 3 === 0 ? 'acc' : 'loss', value: `${t}.${k}` });
        }
        await store.report('scan-trial', logs.slice(0, 20));
        await store.report('scan-trial', logs.slice(20));
        await store.report('other-trial', logs.slice(0, 4));
        const queries: ObservationQuery[] = [
          {},
          { metricName: 'loss' },
          { metricName: 'acc', startTime: T0 + 1, endTime: T0 + 3 },
          { startTime: T0 + 4 },
          { metricName: 'none' },
        ];
        for (const query of queries) {
          const expected = await store.get('scan-trial', query);
          for (const pageSize of [1, 2, 3, 7, 100]) {
            const pages: MetricLog[][] = [];
            await store.scan('scan-trial', query, pageSize, (page) => pages.push(page));
            assert.ok(
              pages.every((p) => p.length > 0 && p.length <= pageSize),
              `pages of at most ${pageSize}`,
            );
            assert.deepEqual(pages.flat(), expected, `${JSON.stringify(query)}, pages of ${pageSize}`);
          }
        }
        const none: MetricLog[][] = [];
        await store.scan('no-such-trial', {}, 10, (page) => none.push(page));
        assert.deepEqual(none, []);
      } finally {
        await db.close();
      }
    });
  });
}
