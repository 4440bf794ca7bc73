import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { invalidArgument } from '../api/errors.js';
import { LineSplitter } from '../collector/index.js';
import { BoundedLogFile } from './bounded-log-file.js';
import { trialEnv } from './clean-env.js';
import type { HostChild } from './host-child.js';
import { OutputTail } from './output-tail.js';
import { signalGroup, waitGroupGone } from './process-group.js';
import { describeSpawnError } from './spawn-errors.js';
import type { SpawnHost } from './spawn-host.js';
import type { LineListener, RunningTrial, TrialExit, TrialRunSpec } from './trial-runner.js';

/** Settings of the local runner, all with defaults (see each). */
export interface LocalRunnerSettings {
  /** Between SIGTERM and SIGKILL when a trial is ended (default 10 s). */
  killGraceMs: number;
  /** Output kept in memory for logsTail() (default 1 MiB). */
  tailBytes: number;
  /** Longest line delivered; longer ones are cut to it (default 64 KiB). */
  maxLineBytes: number;
  /** Write stdout.log and stderr.log into the working directory (default true). */
  logFiles: boolean;
  /** Disk used per log file at most, including its one rotated predecessor (default 64 MiB). */
  logFileMaxBytes: number;
  /**
   * Trials start from a clean environment (INHERITED_ENV) unless their spec says otherwise
   * (default false: the parent's whole environment minus KATIB_*; see clean-env.ts).
   */
  cleanEnv?: boolean;
  /** In clean mode, the parent variables the trial inherits (default INHERITED_ENV, plus LC_*). */
  inheritEnv?: readonly string[];
  /** How long the pipes may stay quiet and open after the group was killed before they are given up (default 2 s). */
  stdioCloseMs: number;
  /** Where a listener's exception goes (default: a process warning); the trial carries on. */
  onListenerError: (err: unknown) => void;
}

type Stream = 'stdout' | 'stderr';
type Outcome = Pick<TrialExit, 'exitCode' | 'signal'>;
/** What the runner uses of a started process: a ChildProcess, or one started by a SpawnHost. */
type Child = Pick<ChildProcess, 'pid' | 'on' | 'once' | 'stdout' | 'stderr'> | HostChild;

/** One trial run as a local process group; see LocalTrialRunner for the contract. */
export class LocalTrial implements RunningTrial {
  private readonly listeners: LineListener[] = [];
  private readonly tail: OutputTail;
  private child: Child | undefined;
  private killedBy: TrialExit['killedBy'];
  private cancelled = false;
  private exited = false;
  private termSent = false;
  private timers: NodeJS.Timeout[] = [];
  private lastActivity = Date.now();
  /** holdOutput() calls not yet released. */
  private holds = 0;
  /** Per pipe: pause it, or resume it unless something still holds it. */
  private readonly pipes: { pause(): void; resume(): void }[] = [];
  private readonly done: Promise<TrialExit>;

  constructor(
    private readonly spec: TrialRunSpec,
    private readonly settings: LocalRunnerSettings,
    signal?: AbortSignal,
    /** Where processes are started (off this thread); without one, spawn() here. */
    private readonly spawner?: SpawnHost,
  ) {
    this.tail = new OutputTail(settings.tailBytes);
    this.done = this.run(signal);
  }

  readonly onLine = (listener: LineListener): void => {
    this.listeners.push(listener);
  };

  readonly holdOutput = (): (() => void) => {
    if (this.exited) return () => {};
    if (this.holds++ === 0) for (const pipe of this.pipes) pipe.pause();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds === 0) {
        this.lastActivity = Date.now();
        for (const pipe of this.pipes) pipe.resume();
      }
    };
  };

  wait(): Promise<TrialExit> {
    return this.done;
  }

  kill(): Promise<void> {
    return this.terminate('kill');
  }

  logsTail(): string {
    return this.tail.text();
  }

  /** The process id (also its process group id), once started. */
  pid(): number | undefined {
    return this.child?.pid;
  }

  private terminate(reason: 'timeout' | 'kill'): Promise<void> {
    this.end(reason);
    return this.done.then(() => undefined);
  }

  /** Asks the trial to end: SIGTERM to its group now, SIGKILL after the grace period. */
  private end(reason: 'timeout' | 'kill'): void {
    if (!this.exited) {
      this.killedBy ??= reason;
      const pgid = this.child?.pid;
      if (pgid === undefined) this.cancelled = true;
      else if (!this.termSent) {
        this.termSent = true;
        signalGroup(pgid, 'SIGTERM');
        this.after(this.settings.killGraceMs, () => signalGroup(pgid, 'SIGKILL'));
      }
    }
  }

  // setTimeout fires at once past 2^31-1 ms (24.8 days): re-arm for long deadlines.
  private after(ms: number, fn: () => void): void {
    const step = Math.min(ms, 2 ** 31 - 1);
    this.timers.push(setTimeout(() => (ms > step ? this.after(ms - step, fn) : fn()), step));
  }

  private async run(signal: AbortSignal | undefined): Promise<TrialExit> {
    const onAbort = (): void => this.end('kill');
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    const logs: BoundedLogFile[] = [];
    try {
      const startError = await this.prepare(logs);
      if (startError !== undefined) return { exitCode: null, signal: null, startError };
      // Killed or aborted before anything ran.
      if (this.cancelled) return { exitCode: null, signal: null, killedBy: this.killedBy };
      const clean = this.spec.cleanEnv ?? this.settings.cleanEnv ?? false;
      const env = trialEnv(process.env, this.spec.env, {
        clean,
        ...(this.settings.inheritEnv ? { inherit: this.settings.inheritEnv } : {}),
      });
      const started = await this.spawn(env);
      if (typeof started === 'string') return { exitCode: null, signal: null, startError: started };
      const outcome = await this.supervise(started, logs);
      const exit: TrialExit = { ...outcome };
      if (this.killedBy !== undefined) exit.killedBy = this.killedBy;
      const logError = logs.find((log) => log.error !== undefined)?.error;
      if (logError !== undefined) exit.logFileError = logError;
      return exit;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      for (const timer of this.timers) clearTimeout(timer);
      await Promise.all(logs.map((log) => log.close()));
    }
  }

  /** Checks the spec, creates the working directory and the log files; a message when it cannot. */
  private async prepare(logs: BoundedLogFile[]): Promise<string | undefined> {
    const { command, workingDir, timeoutSeconds } = this.spec;
    if (command.length === 0 || !command[0]) {
      return invalidArgument('command', command, 'must name a program to run').message;
    }
    if (timeoutSeconds !== undefined && !(timeoutSeconds > 0 && Number.isFinite(timeoutSeconds))) {
      return invalidArgument('timeoutSeconds', timeoutSeconds, 'must be a positive number of seconds')
        .message;
    }
    try {
      await mkdir(workingDir, { recursive: true });
    } catch (err) {
      return `working directory ${JSON.stringify(workingDir)} could not be created: ${(err as Error).message}`;
    }
    if (!this.settings.logFiles) return undefined;
    const logDir = this.spec.logDir ?? workingDir;
    for (const name of ['stdout.log', 'stderr.log']) {
      const file = join(logDir, name);
      try {
        if (logDir !== workingDir) await mkdir(logDir, { recursive: true });
        logs.push(await BoundedLogFile.open(file, this.settings.logFileMaxBytes));
      } catch (err) {
        return `log file ${JSON.stringify(file)} could not be created: ${(err as Error).message}`;
      }
    }
    return undefined;
  }

  /** Starts the process in its own group; a message when it could not start. */
  private async spawn(env: Record<string, string>): Promise<Child | string> {
    const [program, ...args] = this.spec.command as [string, ...string[]];
    let child: Child;
    try {
      child = this.spawner
        ? this.spawner.spawn(program, args, { cwd: this.spec.workingDir, env })
        : spawn(program, args, {
            cwd: this.spec.workingDir,
            env,
            detached: true,
            stdio: ['ignore', 'pipe', 'pipe'],
          });
    } catch (err) {
      return describeSpawnError(err, program, env.PATH);
    }
    const failed = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (err: Error) => resolve(err));
    });
    if (failed) return describeSpawnError(failed, program, env.PATH);
    child.on('error', () => {}); // later errors (a failed kill) are handled where they happen
    this.child = child;
    return child;
  }

  private async supervise(child: Child, logs: BoundedLogFile[]): Promise<Outcome> {
    const pgid = child.pid!;
    if (this.spec.timeoutSeconds !== undefined) {
      this.after(this.spec.timeoutSeconds * 1000, () => this.end('timeout'));
    }
    // A kill() that arrived while spawning.
    if (this.cancelled) {
      this.cancelled = false;
      this.end(this.killedBy ?? 'kill');
    }
    const splitters = [
      this.read(child.stdout!, 'stdout', logs[0]),
      this.read(child.stderr!, 'stderr', logs[1]),
    ];
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const outcome = await new Promise<Outcome>((resolve) =>
      child.once('exit', (exitCode: number | null, signal: NodeJS.Signals | null) =>
        resolve({ exitCode, signal }),
      ),
    );
    this.exited = true;
    this.lastActivity = Date.now();
    // Holds no longer apply: what is left in the pipes is read (and bounded by their size).
    for (const pipe of this.pipes) pipe.resume();
    // Whatever the trial started dies with it, as in a container whose main process ended.
    if (signalGroup(pgid, 'SIGKILL')) await waitGroupGone(pgid, this.settings.stdioCloseMs);
    // A process that left the group (setsid) may still hold the pipes: once they have been
    // quiet for stdioCloseMs, stop waiting for them (output still flowing is read to its end).
    let timer: NodeJS.Timeout | undefined;
    const quiet = new Promise<boolean>((resolve) => {
      const check = (): void => {
        const idle = Date.now() - this.lastActivity;
        if (idle >= this.settings.stdioCloseMs) resolve(true);
        else timer = setTimeout(check, this.settings.stdioCloseMs - idle);
      };
      check();
    });
    if (await Promise.race([closed.then(() => false), quiet])) {
      child.stdout?.destroy();
      child.stderr?.destroy();
    }
    clearTimeout(timer);
    for (const splitter of splitters) splitter.end();
    return outcome;
  }

  private read(stream: Readable, name: Stream, log: BoundedLogFile | undefined): LineSplitter {
    const splitter = new LineSplitter((line, truncated, bytes) => {
      this.tail.push(line, bytes);
      for (const listener of this.listeners) {
        try {
          listener(line, name, truncated);
        } catch (err) {
          this.settings.onListenerError(err);
        }
      }
    }, this.settings.maxLineBytes);
    // Paused while the log file lags or a hold (holdOutput) is on, until neither is.
    let logFull = false;
    const pipe = {
      pause: () => stream.pause(),
      resume: () => {
        if (!logFull && (this.holds === 0 || this.exited)) stream.resume();
      },
    };
    this.pipes.push(pipe);
    if (this.holds > 0) stream.pause();
    stream.on('data', (chunk: Buffer) => {
      this.lastActivity = Date.now();
      splitter.push(chunk);
      if (log && !log.write(chunk)) {
        logFull = true;
        stream.pause();
        log.onDrain(() => {
          logFull = false;
          this.lastActivity = Date.now();
          pipe.resume();
        });
      }
    });
    return splitter;
  }
}
