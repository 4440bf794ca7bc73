import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/**
 * `katib db-manager` (the built CLI) in a process of its own, on a fixed gRPC port so that a
 * restarted one takes over the address the reporters know. Tracks the peak RSS over every
 * process it started (VmHWM from /proc, sampled while it runs and read again just before a kill).
 */
export class DbManagerProcess {
  readonly address: string;
  readonly #dbUrl: string;
  #child: ChildProcess | undefined;
  #exited: Promise<unknown> = Promise.resolve();
  #sampler: NodeJS.Timeout | undefined;
  #peakKb = 0;
  /** The last lines it printed, for error messages. */
  #tail: string[] = [];
  /** Milliseconds each start took until the ready line. */
  readonly startMs: number[] = [];

  constructor(port: number, dbUrl: string) {
    this.address = `127.0.0.1:${port}`;
    this.#dbUrl = dbUrl;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get peakRssMb(): number {
    this.#sample();
    return Math.round(this.#peakKb / 102.4) / 10;
  }

  /** Starts it and resolves on its "db manager ready" log line. */
  async start(): Promise<void> {
    if (this.#child !== undefined) throw new Error('db manager already running');
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [MAIN, 'db-manager', '--listen', this.address, '--http-listen', 'off', '--db', this.#dbUrl],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KATIB_LOG_LEVEL: 'info' } },
    );
    this.#child = child;
    this.#exited = once(child, 'exit');
    const ready = new Promise<void>((resolve, reject) => {
      const onLine = (line: string) => {
        this.#tail.push(line);
        if (this.#tail.length > 20) this.#tail.shift();
        if (line.includes('"db manager ready"')) resolve();
      };
      createInterface({ input: child.stdout! }).on('line', onLine);
      createInterface({ input: child.stderr! }).on('line', onLine);
      child.once('exit', (code, signal) =>
        reject(new Error(`db manager exited (${code ?? signal}) before ready: ${this.#tail.join('\n')}`)),
      );
    });
    await ready;
    this.startMs.push(Math.round(performance.now() - started));
    this.#sampler = setInterval(() => this.#sample(), 250);
  }

  /** SIGKILL, as a crash or an OOM kill would; waits for the exit. */
  async kill(): Promise<void> {
    await this.#end('SIGKILL');
  }

  /** SIGTERM (drains calls); waits for the exit. */
  async stop(): Promise<void> {
    await this.#end('SIGTERM');
  }

  async #end(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#sample();
    clearInterval(this.#sampler);
    child.kill(signal);
    await this.#exited;
    this.#child = undefined;
  }

  #sample(): void {
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    try {
      const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (hwm) this.#peakKb = Math.max(this.#peakKb, Number(hwm[1]));
    } catch {
      // exited between the check and the read
    }
  }
}
