/**
 * One owner per experiment, from the owner's side: the leases this process holds (see LeaseStore),
 * renewed on a timer, and taking one, at once or by waiting for it.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { KatibError } from '../api/errors.js';
import type { Lease, LeaseHolder, LeaseStore } from '../store/index.js';

/** How long a lease lasts without a heartbeat, by default: a holder killed -9 blocks resume this long. */
export const DEFAULT_LEASE_SECONDS = 30;

export interface LeaseSettings {
  /** What runs the experiments, named to the next owner: `katib run`, `katib server`, `KatibClient`. */
  program: string;
  /** Seconds a lease lasts without a heartbeat (heartbeats come every third of it). Default 30. */
  ttlSeconds?: number;
}

/** Someone else holds the experiment's lease: who, since when, until when unless renewed. */
export class LeaseHeldError extends KatibError {
  readonly lease: Lease;
  constructor(lease: Lease) {
    super('aborted', `experiment ${JSON.stringify(lease.experimentName)} ${describeHolder(lease)}`);
    this.lease = lease;
  }
}

/** `is run by katib run (pid 123 on host h) since ...; ...`: the holder, for messages. */
export function describeHolder(lease: Lease): string {
  const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`;
  return (
    `is run by ${lease.program} (pid ${lease.pid} on ${lease.host}) since ${new Date(lease.acquiredAt).toISOString()}, ` +
    `last heartbeat ${seconds(lease.now - lease.heartbeatAt)} ago; its lease expires in ${seconds(lease.expiresAt - lease.now)} unless renewed`
  );
}

export interface AcquireOptions {
  /** Wait until the lease is free (released, or expired) instead of refusing. */
  wait?: boolean;
  /** Ends a wait (rejects `cancelled`). */
  signal?: AbortSignal;
  /** Called once when a wait begins, with the lease waited for. */
  onWaiting?: (lease: Lease) => void;
}

/**
 * The leases one owner (one ExperimentManager, so one process) holds. `onLost` is called for a
 * lease found taken by someone else at a heartbeat (this process stalled past its expiry): the
 * owner must stop driving that experiment.
 */
export class ExperimentLeases {
  readonly #store: LeaseStore;
  readonly #me: LeaseHolder;
  readonly #ttlMs: number;
  readonly #held = new Set<string>();
  readonly #onLost: (experimentName: string, lease: Lease | undefined) => void;
  readonly #onFault: (err: unknown) => void;
  readonly #timer: NodeJS.Timeout;

  constructor(
    store: LeaseStore,
    settings: LeaseSettings,
    handlers: {
      onLost: (experimentName: string, lease: Lease | undefined) => void;
      onFault?: (err: unknown) => void;
    },
  ) {
    const ttlSeconds = settings.ttlSeconds ?? DEFAULT_LEASE_SECONDS;
    if (typeof ttlSeconds !== 'number' || !(ttlSeconds > 0) || !Number.isFinite(ttlSeconds))
      throw new KatibError('invalid_argument', `lease ttlSeconds: ${ttlSeconds} must be a positive number`, {
        field: 'ttlSeconds',
      });
    this.#store = store;
    this.#me = { holder: randomUUID(), program: settings.program, host: hostname(), pid: process.pid };
    this.#ttlMs = ttlSeconds * 1000;
    this.#onLost = handlers.onLost;
    this.#onFault = handlers.onFault ?? (() => {});
    // Not holding the process open: trials and servers do that while there is work.
    this.#timer = setInterval(() => void this.#heartbeat(), this.#ttlMs / 3).unref();
  }

  /** Whether this owner holds `experimentName`'s lease. */
  holds(experimentName: string): boolean {
    return this.#held.has(experimentName);
  }

  /**
   * Takes the lease of `experimentName` (a no-op when held already). Without `wait`, rejects
   * LeaseHeldError at once when another owner holds it; with `wait`, polls until it is free.
   */
  async acquire(experimentName: string, options: AcquireOptions = {}): Promise<void> {
    if (this.#held.has(experimentName)) return;
    let waiting = false;
    for (;;) {
      if (options.signal?.aborted) throw new KatibError('cancelled', 'stopped waiting for the lease');
      const lease = await this.#store.acquire(experimentName, this.#me, this.#ttlMs);
      if (lease.holder === this.#me.holder) {
        this.#held.add(experimentName);
        return;
      }
      // A holder on this host whose process is gone (kill -9, a crash) holds nothing: take its
      // lease now rather than after its expiry, so `katib run` again resumes at once. Elsewhere
      // only the expiry can tell; a reused pid only delays the takeover to the expiry.
      if (lease.host === this.#me.host && !processAlive(lease.pid)) {
        await this.#store.release(experimentName, lease.holder);
        continue;
      }
      if (!options.wait) throw new LeaseHeldError(lease);
      if (!waiting) options.onWaiting?.(lease);
      waiting = true;
      // Poll often enough to take a released lease promptly, rarely enough to cost nothing.
      const pause = Math.min(1000, Math.max(100, this.#ttlMs / 10));
      await sleep(pause, undefined, options.signal ? { signal: options.signal } : {}).catch(() => {});
    }
  }

  /** Gives the lease up (the next owner takes it at once). Never rejects: a fault lets it expire. */
  async release(experimentName: string): Promise<void> {
    if (!this.#held.delete(experimentName)) return;
    try {
      await this.#store.release(experimentName, this.#me.holder);
    } catch (err) {
      this.#onFault(err);
    }
  }

  /** Stops the heartbeats and releases every lease. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all([...this.#held].map((name) => this.release(name)));
  }

  async #heartbeat(): Promise<void> {
    for (const name of [...this.#held]) {
      try {
        if (await this.#store.renew(name, this.#me.holder, this.#ttlMs)) continue;
        if (!this.#held.delete(name)) continue;
        this.#onLost(name, await this.#store.get(name).catch(() => undefined));
      } catch (err) {
        // A database fault: try again at the next beat; nobody can take the lease before it expires.
        this.#onFault(err);
      }
    }
  }
}

/** Whether a process with this pid exists on this host (EPERM: it does, owned by another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
