import { setPriority } from 'node:os';
import { type JsonChild, startChild } from '../support/child.js';

/** What one reporting process says when it stops (see reporter.mjs). */
export interface ReporterResult {
  trial: string;
  /** Pushes made: points 0 .. attempted-1. */
  attempted: number;
  /** Points whose push rejected (not acknowledged; they may or may not be stored). */
  failed: number[];
  /** Codes of those rejections, with counts. */
  codes: Record<string, number>;
  /** Codes of the failed attempts the SDK retried (its onRetry), with counts. */
  retry_codes: Record<string, number>;
  max_ms: number;
  /** Pushes that took over a second (retried through a fault). */
  slow: number;
  rss_mb: number;
  private_mb: number;
}

// Started a few at a time: 200 Node processes loading at once would starve the machine.
const WAVE = 20;
// Reporters run at the lowest priority. On a small machine 200 runnable reporters would each get
// as much CPU as the DB manager and the database (measured here, 2 cores: a restarted DB manager
// took 57 s to start, 12 acknowledged pushes/s); in production trials run on other machines.
const REPORTER_NICE = 19;

/** `count` reporting processes, trials `${prefix}0` ..., all pushing to `address`. */
export class ReporterPool {
  readonly #children: JsonChild[];

  private constructor(children: JsonChild[]) {
    this.#children = children;
  }

  /** Starts them and resolves once every one has loaded (none pushes before `go`). */
  static async start(count: number, address: string, prefix: string): Promise<ReporterPool> {
    const children: JsonChild[] = [];
    try {
      for (let i = 0; i < count; i += WAVE) {
        const wave = Array.from({ length: Math.min(WAVE, count - i) }, (_, k) => {
          const child = startChild('../faults/reporter.mjs', [address, `${prefix}${i + k}`]);
          if (child.process.pid !== undefined) setPriority(child.process.pid, REPORTER_NICE);
          return child;
        });
        children.push(...wave);
        await Promise.all(wave.map((c) => c.next()));
      }
    } catch (err) {
      for (const c of children) c.process.kill('SIGKILL');
      throw err;
    }
    return new ReporterPool(children);
  }

  go(): void {
    for (const c of this.#children) c.send('go');
  }

  /** Tells every reporter to stop after its push in flight and collects their results. */
  finish(): Promise<ReporterResult[]> {
    return Promise.all(this.#children.map((c) => c.finish<ReporterResult>()));
  }

  kill(): void {
    for (const c of this.#children) if (c.process.exitCode === null) c.process.kill('SIGKILL');
  }
}
