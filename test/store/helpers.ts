import assert from 'node:assert/strict';
import { KatibError } from '../../src/api/errors.js';
import type { MetricLog } from '../../src/api/observation.js';
import { parseRfc3339 } from '../../src/api/time.js';

/** A fixed instant with all six fractional digits set, to build test times from. */
export const T0 = parseRfc3339('2026-01-02T03:04:05.123456Z', 't0');

export const log = (time: number, name: string, value: string): MetricLog => ({ time, name, value });

/** Awaits a rejection with a KatibError of `code` (and a message matching `message`), and returns it. */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: string,
  message?: RegExp,
): Promise<KatibError> {
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

/** Unique trial names per test file, so tests sharing one database stay independent. */
export function trialNames(): (label?: string) => string {
  let seq = 0;
  return (label = 'trial') => `${label}-${++seq}`;
}
