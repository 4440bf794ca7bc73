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
  it('prunes at start with the retention as cut-off, again after a fault (even a synchronous throw), and stops', async () => {
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
      retentionSeconds: 1, // every second (the least)
      onPruned: (n) => pruned.push(n),
      onFault: (err) => faults.push(err),
    });
    const started = nowMicros();
    pruner.start();
    assert.equal(cuts.length, 1, 'the first prune runs at start');
    assert.ok(Math.abs(cuts[0]! - (started - 1_000_000)) < 50_000, 'cut-off is now minus the retention');
    await new Promise((resolve) => setTimeout(resolve, 2_400));
    await pruner.stop();
    const calls = cuts.length;
    assert.ok(calls >= 3, `${calls} prunes in 2.4 s`);
    assert.deepEqual(
      faults.map((e) => (e as Error).message),
      ['receiver is not the store', 'database away'],
    );
    assert.deepEqual(pruned, Array(calls - 2).fill(7));
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    assert.equal(cuts.length, calls, 'no prune after stop');
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
