import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import type { MetricLog } from '../../src/api/observation.js';
import { GroupCommitter } from '../../src/dbmanager/group-commit.js';
import type { TrialLogs } from '../../src/store/observation-store.js';
import { MemoryObservationStore } from '../support/memory-observation-store.js';

const log = (value: string): MetricLog[] => [{ time: 1, name: 'loss', value }];

/** A memory store whose writes of one trial fail with `internal`, as a store bug on its rows would. */
class PickyStore extends MemoryObservationStore {
  constructor(readonly poison: string) {
    super();
  }
  override async report(trialName: string, logs: readonly MetricLog[], key?: string): Promise<boolean> {
    if (trialName === this.poison) throw new KatibError('internal', 'cannot store these rows');
    return super.report(trialName, logs, key);
  }
  override async reportMany(entries: readonly TrialLogs[]): Promise<boolean[]> {
    this.calls.reportMany++;
    if (entries.some((e) => e.trialName === this.poison))
      throw new KatibError('internal', 'cannot store these rows');
    return super.reportMany(entries);
  }
}

describe('GroupCommitter', () => {
  it('writes a lone report at once and coalesces the ones arriving meanwhile into one reportMany', async () => {
    const store = new MemoryObservationStore();
    const committer = new GroupCommitter(store);
    await committer.report('alone', log('0'));
    assert.deepEqual(store.calls, { report: 1, reportMany: 0 });

    await Promise.all(Array.from({ length: 10 }, (_, i) => committer.report(`t${i % 3}`, log(String(i)))));
    assert.deepEqual(store.calls, { report: 2, reportMany: 1 });
    const stored = [...store.rows.values()].flat().map((l) => l.value);
    assert.deepEqual(stored.sort(), ['0', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('splits queued reports into batches of at most maxBatchPoints', async () => {
    const store = new MemoryObservationStore();
    const committer = new GroupCommitter(store, { maxBatchPoints: 4 });
    await Promise.all(Array.from({ length: 9 }, (_, i) => committer.report('t', log(String(i)))));
    // 1 written at once, then 8 queued in batches of 4.
    assert.deepEqual(store.calls, { report: 1, reportMany: 2 });
    assert.equal(store.rows.get('t')?.length, 9);
  });

  it('fails only the report whose rows the store refuses', async () => {
    const store = new PickyStore('bad');
    const committer = new GroupCommitter(store);
    const results = await Promise.allSettled(['a', 'b', 'bad', 'c'].map((t) => committer.report(t, log(t))));
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual([...store.rows.keys()].sort(), ['a', 'b', 'c']);
  });

  it('fails the whole batch at once while the database is unreachable', async () => {
    const store = new MemoryObservationStore();
    const committer = new GroupCommitter(store);
    store.down = true;
    const results = await Promise.allSettled(['a', 'b', 'c'].map((t) => committer.report(t, log(t))));
    assert.ok(
      results.every((r) => r.status === 'rejected' && (r.reason as KatibError).code === 'unavailable'),
    );
    assert.deepEqual(store.calls, { report: 1, reportMany: 1 });
    store.down = false;
    await committer.report('d', log('d'));
    assert.deepEqual([...store.rows.keys()], ['d']);
  });

  it('runs up to maxConcurrentWrites writes at once before it starts queueing', async () => {
    const store = new MemoryObservationStore();
    const committer = new GroupCommitter(store, { maxConcurrentWrites: 3 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => committer.report(`t${i}`, log(String(i)))));
    assert.deepEqual(store.calls, { report: 3, reportMany: 1 });
    assert.equal(store.rows.size, 10);
  });
});
