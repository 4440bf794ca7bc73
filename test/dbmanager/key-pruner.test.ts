/**
 * KeyPruner's schedule and fault handling. The store here only counts calls and fails on purpose:
 * what pruning does to a real database is in the store conformance suite
 * (test/store/idempotency-keys.conformance.test.ts) and through a real process in
 * key-retention.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nowMicros } from '../../src/api/time.js';
import { KeyPruner } from '../../src/dbmanager/key-pruner.js';
import type { ObservationStore } from '../../src/store/index.js';
import { settle } from '../support/fixtures.js';

function storeWith(pruneKeys: ObservationStore['pruneKeys']): ObservationStore {
  const unused = () => Promise.reject(new Error('not used'));
  return {
    report: unused,
    reportMany: unused,
    get: unused,
    delete: unused,
    ping: unused,
    close: unused,
    ...(pruneKeys ? { pruneKeys } : {}),
  };
}

describe('KeyPruner', () => {
  it('prunes at start with the retention as cut-off, every quarter of it, again after a fault (even a synchronous throw), and stops', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const cuts: number[] = [];
    const faults: unknown[] = [];
    const pruned: number[] = [];
    const store = storeWith((before) => {
      cuts.push(before);
      if (cuts.length === 1) throw new Error('receiver is not the store');
      if (cuts.length === 2) return Promise.reject(new Error('database away'));
      return Promise.resolve(7);
    });
    const pruner = new KeyPruner({
      store,
      retentionSeconds: 8, // a prune every 2 s
      onPruned: (n) => pruned.push(n),
      onFault: (err) => faults.push(err),
    });
    const started = nowMicros();
    pruner.start();
    assert.equal(cuts.length, 1, 'the first prune runs at start');
    assert.ok(Math.abs(cuts[0]! - (started - 8_000_000)) < 50_000, 'cut-off is now minus the retention');
    await settle();
    t.mock.timers.tick(1_999);
    await settle();
    assert.equal(cuts.length, 1, 'not before a quarter of the retention');
    t.mock.timers.tick(1);
    await settle();
    assert.equal(cuts.length, 2, 'again after the synchronous throw');
    t.mock.timers.tick(2_000);
    await settle();
    assert.equal(cuts.length, 3, 'again after the rejection');
    t.mock.timers.tick(2_000);
    await settle();
    assert.equal(cuts.length, 4);
    await pruner.stop();
    assert.deepEqual(
      faults.map((e) => (e as Error).message),
      ['receiver is not the store', 'database away'],
    );
    assert.deepEqual(pruned, [7, 7]);
    t.mock.timers.tick(60_000);
    await settle();
    assert.equal(cuts.length, 4, 'no prune after stop');
  });

  it('waits at least 1 s and at most 10 min between prunes, whatever the retention', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    for (const [retentionSeconds, intervalMs] of [
      [1, 1_000],
      [86_400, 600_000],
    ] as const) {
      let calls = 0;
      const pruner = new KeyPruner({
        store: storeWith(async () => {
          calls++;
          return 0;
        }),
        retentionSeconds,
        onPruned: () => {},
        onFault: (err) => assert.fail(String(err)),
      });
      pruner.start();
      await settle();
      t.mock.timers.tick(intervalMs - 1);
      await settle();
      assert.equal(calls, 1, `retention ${retentionSeconds} s: not before ${intervalMs} ms`);
      t.mock.timers.tick(1);
      await settle();
      assert.equal(calls, 2, `retention ${retentionSeconds} s: after ${intervalMs} ms`);
      await pruner.stop();
    }
  });

  it('does nothing for a store without pruneKeys', async () => {
    const pruner = new KeyPruner({
      store: storeWith(undefined),
      retentionSeconds: 1,
      onPruned: () => assert.fail('pruned'),
      onFault: (err) => assert.fail(String(err)),
    });
    pruner.start();
    await pruner.stop();
  });
});
