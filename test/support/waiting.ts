/**
 * Polling for a condition a test cannot await directly (another process, a socket, a file).
 * Where the code under test waits on its own timers, use node:test's mock.timers instead.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Between two probes (default 20 ms). */
  intervalMs?: number;
  /** Checked after each unmet probe: true stops the wait at once (e.g. the process it waits on died). */
  failIf?: () => boolean;
  /** Appended to the error when the wait fails (e.g. a process's output). */
  context?: () => string;
}

/**
 * Resolves with the first value `probe` returns other than undefined, probing every
 * `intervalMs`; rejects naming `what` after `timeoutMs` or once `failIf` holds. A number as
 * `options` is the timeout.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  options: WaitOptions | number = {},
): Promise<T> {
  const {
    timeoutMs = 10_000,
    intervalMs = 20,
    failIf,
    context,
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const failed = failIf?.() === true;
    if (failed || Date.now() > deadline) {
      const why = failed ? 'gave up' : `timed out after ${timeoutMs} ms`;
      throw new Error(`${why} waiting for ${what}${context ? `\n${context()}` : ''}`);
    }
    await sleep(intervalMs);
  }
}

/**
 * Resolves when `predicate` holds (see waitFor for the options), with the milliseconds it took.
 */
export async function until(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  options: WaitOptions | number = {},
): Promise<number> {
  const start = Date.now();
  await waitFor(what, async () => ((await predicate()) ? true : undefined), options);
  return Date.now() - start;
}

/**
 * Lets pending promise callbacks and I/O-free immediates run, `rounds` turns of the event loop:
 * after `mock.timers.tick()`, so the code a fired timer started gets to its next await.
 */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
