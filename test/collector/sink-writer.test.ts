import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import type { MetricLog } from '../../src/api/observation.js';
import { SinkWriter } from '../../src/collector/index.js';
import { settle } from '../support/fixtures.js';

const points = (n: number, from = 0): MetricLog[] =>
  Array.from({ length: n }, (_, i) => ({ time: from + i, name: 'loss', value: String(from + i) }));

/** A sink that records batches and can be told to fail its next calls. */
function recordingSink() {
  const batches: MetricLog[][] = [];
  const state = { failNext: 0, calls: 0 };
  const sink = async (logs: MetricLog[]) => {
    state.calls++;
    await new Promise((resolve) => setImmediate(resolve)); // a write takes a turn of the event loop
    if (state.failNext > 0) {
      state.failNext--;
      throw new Error('database is down');
    }
    batches.push(logs);
  };
  return { sink, batches, state, all: () => batches.flat() };
}

describe('SinkWriter', () => {
  test('a full batch is written at once, the rest after the flush interval', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const r = recordingSink();
    const w = new SinkWriter(r.sink, { maxBatch: 10, flushIntervalMs: 200 });
    w.add(points(25));
    await settle();
    assert.deepEqual(
      r.batches.map((b) => b.length),
      [10, 10, 5],
      'the pump drains the queue once started',
    );
    w.add(points(3, 25));
    t.mock.timers.tick(199);
    await settle();
    assert.equal(r.all().length, 25, 'a small batch waits for the interval');
    t.mock.timers.tick(1);
    await settle();
    assert.equal(r.all().length, 28);
    await w.finish();
    assert.deepEqual(r.all(), points(28), 'in order');
  });

  test('failures are retried with back-off, reported, and nothing is lost', async () => {
    const r = recordingSink();
    const errors: number[] = [];
    const w = new SinkWriter(r.sink, {
      maxBatch: 4,
      flushIntervalMs: 5,
      retryInitialMs: 5,
      onWriteError: (_err, info) => errors.push(info.attempt),
    });
    r.state.failNext = 3;
    w.add(points(10));
    await w.finish();
    assert.deepEqual(r.all(), points(10));
    assert.deepEqual(errors, [1, 2, 3]);
    const stats = w.stats();
    assert.equal(stats.written, 10);
    assert.equal(stats.writeFailures, 3);
    assert.equal(stats.pending, 0);
    assert.equal(stats.lastWriteError, 'database is down');
  });

  test('finish() rejects UNAVAILABLE with the count when the sink stays down; unsent() keeps them', async () => {
    const r = recordingSink();
    const w = new SinkWriter(r.sink, {
      maxBatch: 2,
      flushIntervalMs: 5,
      retryInitialMs: 10,
      finishTimeoutMs: 150,
    });
    r.state.failNext = Number.POSITIVE_INFINITY;
    w.add(points(5));
    await assert.rejects(
      w.finish(),
      (err: unknown) =>
        err instanceof KatibError &&
        err.code === 'unavailable' &&
        /^5 metric points could not be written/.test(err.message),
    );
    assert.deepEqual(w.unsent(), points(5));
    assert.throws(() => w.add(points(1)), /added after the collector finished/);
  });

  test('past maxPending new points are dropped, counted and reported once', async () => {
    const r = recordingSink();
    const drops: number[] = [];
    const w = new SinkWriter(r.sink, { maxPending: 10, flushIntervalMs: 1000, onDrop: (n) => drops.push(n) });
    w.add(points(8));
    w.add(points(5, 8));
    w.add(points(2, 13));
    assert.equal(w.stats().dropped, 5);
    assert.deepEqual(drops, [3]);
    await w.finish();
    assert.deepEqual(r.all(), points(10));
  });

  test('points that arrive during a write go in the next one', async () => {
    const r = recordingSink();
    const w = new SinkWriter(r.sink, { maxBatch: 100, flushIntervalMs: 1 });
    w.add(points(1));
    await new Promise((resolve) => setTimeout(resolve, 3));
    for (let i = 1; i < 50; i++) w.add(points(1, i));
    await w.finish();
    assert.deepEqual(r.all(), points(50));
    assert.ok(r.batches.length < 50, `batched: ${r.batches.length} writes`);
  });
});
