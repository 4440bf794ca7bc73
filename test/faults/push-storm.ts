/**
 * The push storm of the DB manager fault tests: many trial processes push numbered points with
 * reportMetrics while a real `katib db-manager` process (the built CLI, dist/: `npm run build`
 * first) is killed with SIGKILL and started again on the same port. Afterwards the store is read
 * back and compared with what the trials saw acknowledged.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../src/store/index.js';
import { freePort } from '../support/fixtures.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const TRIAL = fileURLToPath(new URL('./push-storm-trial.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The environment without Katib's variables of the machine running the tests. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(KATIB_|DB_|SKIP_DB_INITIALIZATION$)/.test(k)),
  );
}

/** A `katib db-manager` process on `dbUrl`, gRPC only, on `port` every time it starts. */
export class DbManagerProcess {
  readonly #dbUrl: string;
  readonly #port: number;
  #child: ChildProcess | undefined;
  /** Everything the processes printed, for failure messages. */
  output = '';

  constructor(dbUrl: string, port: number) {
    this.#dbUrl = dbUrl;
    this.#port = port;
  }

  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  /** Starts it and waits until it serves. */
  async start(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const child = spawn(
        process.execPath,
        [MAIN, 'db-manager', '--listen', this.address, '--http-listen', 'off', '--db', this.#dbUrl],
        { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      this.#child = child;
      if (await this.#ready(child, deadline)) return;
      // The port may still be held for a moment after a kill: try again until the deadline.
      if (Date.now() > deadline) throw new Error(`db-manager did not start:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** SIGKILL, as a crash or the OOM killer would; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM (drain, then exit); SIGKILL after 10 s. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** True once the ready line is logged; false if the process exited first. */
  async #ready(child: ChildProcess, deadline: number): Promise<boolean> {
    let text = '';
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          child.kill('SIGKILL');
        },
        Math.max(0, deadline - Date.now()),
      );
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        this.output += chunk;
      });
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        this.output += chunk;
        text += chunk;
        if (text.includes('"db manager ready"')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
  }
}

export interface StormOptions {
  dbUrl: string;
  /** Trial processes. */
  trials: number;
  /** Concurrent reportMetrics calls per trial. */
  lanes: number;
  /** How long the trials keep starting new pushes, from when half of them had one acknowledged. */
  durationMs: number;
  /** Milliseconds after that start at which the DB manager is killed and restarted. */
  killAtMs: readonly number[];
  /** How long half the trials may take to start and have a first push acknowledged. */
  startTimeoutMs?: number;
  /** reportMetrics's timeout, seconds. */
  pushTimeoutSeconds: number;
}

export interface StormResult {
  /** Points whose reportMetrics call resolved. */
  acknowledged: number;
  /** Trials with at least one point acknowledged. */
  trialsAcknowledged: number;
  /** Points whose call rejected, with why (should be none: the timeout outlasts every outage). */
  failed: string[];
  /** Rows stored. */
  stored: number;
  /** Acknowledged points not in the store. */
  lost: number;
  /** Rows beyond the first of a point (a point stored twice counts 1). */
  duplicates: number;
  kills: number;
  /** The DB manager's "observation store fault" log lines (deadlocks would show here), first few. */
  storeFaults: string[];
  /** Where the time went: starting the trials, the storm with its kills, the trials' last pushes. */
  phasesMs: { start: number; storm: number; finish: number };
}

/** Runs the storm (see the file comment) and reads the store back. */
export async function runPushStorm(options: StormOptions): Promise<StormResult> {
  const manager = new DbManagerProcess(options.dbUrl, await freePort());
  const trials: ChildProcess[] = [];
  const t0 = Date.now();
  try {
    // The trials start with the DB manager: they retry until it answers, as trials do.
    const started = manager.start();
    const outputs: string[] = [];
    const exits: Promise<unknown>[] = [];
    for (let t = 0; t < options.trials; t++) {
      const child = spawn(
        process.execPath,
        [TRIAL, manager.address, `storm-${t}`, String(options.pushTimeoutSeconds), String(options.lanes)],
        { cwd: ROOT, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] },
      );
      trials.push(child);
      outputs.push('');
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        outputs[t] += chunk;
      });
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        manager.output += `[storm-${t}] ${chunk}`;
      });
      exits.push(once(child, 'exit'));
    }
    await started;
    // A small shared machine takes seconds to start many Node processes: the storm's clock starts
    // once half the trials are pushing (the rest join during the storm, retrying through kills too).
    const startBy = Date.now() + (options.startTimeoutMs ?? 15_000);
    while (outputs.filter((text) => text.includes('ack ')).length * 2 < options.trials) {
      if (Date.now() > startBy) throw new Error(`the trials did not start pushing:\n${manager.output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const start = Date.now();
    let kills = 0;
    for (const at of options.killAtMs) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + at - Date.now())));
      await manager.kill();
      kills++;
      await manager.start();
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + options.durationMs - Date.now())));
    const stormEnd = Date.now();
    for (const child of trials) child.stdin!.end();
    await Promise.all(exits);
    const phasesMs = { start: start - t0, storm: stormEnd - start, finish: Date.now() - stormEnd };
    await manager.stop();

    const acked: number[][] = outputs.map(() => []);
    const failed: string[] = [];
    for (const [t, text] of outputs.entries()) {
      for (const line of text.split('\n')) {
        const [word, index, ...rest] = line.split(' ');
        if (word === 'ack') acked[t]!.push(Number(index));
        else if (word === 'fail') failed.push(`storm-${t} point ${index}: ${rest.join(' ')}`);
      }
    }
    const db = await openDatabase(options.dbUrl, { connectTimeoutSeconds: 10 });
    let stored = 0;
    let lost = 0;
    let duplicates = 0;
    try {
      for (let t = 0; t < options.trials; t++) {
        const counts = new Map<number, number>();
        for (const log of await db.observations.get(`storm-${t}`)) {
          counts.set(Number(log.value), (counts.get(Number(log.value)) ?? 0) + 1);
          stored++;
        }
        for (const n of counts.values()) duplicates += n - 1;
        for (const i of acked[t]!) if (!counts.has(i)) lost++;
      }
    } finally {
      await db.close();
    }
    const acknowledged = acked.reduce((sum, list) => sum + list.length, 0);
    const storeFaults = manager.output
      .split('\n')
      .filter((line) => line.includes('observation store fault'))
      .map((line) => line.slice(0, 300));
    const trialsAcknowledged = acked.filter((list) => list.length > 0).length;
    return {
      acknowledged,
      trialsAcknowledged,
      failed,
      stored,
      lost,
      duplicates,
      kills,
      storeFaults,
      phasesMs,
    };
  } finally {
    for (const child of trials)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await manager.kill();
  }
}
