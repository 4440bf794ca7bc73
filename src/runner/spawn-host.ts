import { type ChildProcess, spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { HostChild, type HostEvent } from './host-child.js';

/**
 * The host's code (helper process or thread), plain JavaScript run with `-e`/`eval` (no module
 * resolution, so the same under tsx and from dist/). It spawns, reads the pipes, and reports
 * every event by message.
 */
/**
 * Bytes of one pipe relayed by the host and not yet read here: the host reads no further ahead
 * (so a reader that pauses, e.g. a collector waiting for the store, stops the trial within this
 * much), small enough that what is in flight when a trial exits stays a few thousand lines.
 */
export const RELAY_WINDOW_BYTES = 256 * 1024;

const HOST_SOURCE = `
const { spawn } = require('node:child_process');
const parentPort = require('node:worker_threads').parentPort ?? {
  on: (event, fn) => process.on(event, fn),
  postMessage: (m) => process.send(m),
};
// A helper process ends with its parent's channel (its children live on, as with any runner crash).
process.on('disconnect', () => process.exit(0));
const children = new Map();
const WINDOW = ${RELAY_WINDOW_BYTES};
const errorOf = (e) => ({ message: e && e.message, code: e && e.code, errno: e && e.errno, syscall: e && e.syscall, path: e && e.path });
parentPort.on('message', (m) => {
  if (m.op === 'spawn') {
    let child;
    try {
      child = spawn(m.program, m.args, { cwd: m.cwd, env: m.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      parentPort.postMessage({ ev: 'error', id: m.id, error: errorOf(e) });
      parentPort.postMessage({ ev: 'gone', id: m.id });
      return;
    }
    children.set(m.id, child);
    let spawned = false;
    child.once('spawn', () => {
      spawned = true;
      parentPort.postMessage({ ev: 'spawn', id: m.id, pid: child.pid });
    });
    child.on('error', (e) => {
      parentPort.postMessage({ ev: 'error', id: m.id, error: errorOf(e) });
      // Nothing started: no close may follow, and nothing is left to report.
      if (!spawned) {
        children.delete(m.id);
        parentPort.postMessage({ ev: 'gone', id: m.id });
      }
    });
    for (const name of ['stdout', 'stderr']) {
      const stream = child[name];
      // Credit-based flow control: at most WINDOW bytes relayed and not yet acknowledged by the
      // reader; past it the real pipe pauses (the trial blocks on it) until acks come back.
      stream.unacked = 0;
      stream.on('data', (chunk) => {
        stream.unacked += chunk.length;
        if (stream.unacked > WINDOW) stream.pause();
        parentPort.postMessage({ ev: 'data', id: m.id, stream: name, chunk });
      });
      stream.on('error', () => {});
    }
    child.once('exit', (code, signal) => parentPort.postMessage({ ev: 'exit', id: m.id, code, signal }));
    child.once('close', () => {
      children.delete(m.id);
      // Also the pipes' end (both have closed) and the last message about this child.
      parentPort.postMessage({ ev: 'close', id: m.id });
    });
    return;
  }
  const stream = children.get(m.id)?.[m.stream];
  if (stream === undefined) return;
  if (m.op === 'ack') {
    stream.unacked -= m.bytes;
    if (stream.unacked <= WINDOW) stream.resume();
  } else if (m.op === 'destroy') stream.destroy();
});
`;

/**
 * Starts processes away from the caller's event loop, from a small long-lived helper process
 * (`process`, the local runner's choice) or a worker thread (`thread`). Node's fork+exec blocks
 * the calling thread for a time that grows with the process's memory: ~2.5 ms in a ~130 MB
 * controller against ~0.9 ms in a bare Node process. A thread takes it off the event loop but
 * still forks the big process; the helper forks a small one, which measured best on a loaded
 * 2-core machine (bench:trials, 1,000 trials, pairs of runs: helper 4.4-4.9 s, thread 6.1-9.8 s).
 * The host starts on first use and stops once nothing has run for `idleMs`; it keeps this
 * process alive only while a child it started has not closed, and a helper ends when this
 * process does. Children are their own process groups, signalled by pid from here.
 */
export class SpawnHost {
  #worker: Host | undefined;
  readonly #children = new Map<number, HostChild>();
  #nextId = 1;
  #idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly mode: 'thread' | 'process' = 'process',
    private readonly idleMs = 2000,
  ) {}

  spawn(
    program: string,
    args: readonly string[],
    options: { cwd: string; env: Record<string, string> },
  ): HostChild {
    const worker = this.#start();
    const id = this.#nextId++;
    const child = new HostChild(id, (op, stream, bytes) => worker.post({ op, id, stream, bytes }));
    this.#children.set(id, child);
    clearTimeout(this.#idle);
    if (this.#children.size === 1) worker.ref();
    worker.post({ op: 'spawn', id, program, args, cwd: options.cwd, env: options.env });
    return child;
  }

  #start(): Host {
    if (this.#worker) return this.#worker;
    const worker = this.mode === 'thread' ? threadHost() : processHost();
    // One event per macrotask, as a ChildProcess emits them: code awaiting `spawn` must run (and
    // add its `exit` listener) before `exit` is emitted. An IPC read delivers several messages
    // in one go, with no microtask checkpoint between them.
    worker.onMessage((event) => void setImmediate(() => this.#deliver(worker, event)));
    worker.onFailure((err) => {
      if (this.#worker === worker) this.#fail(err);
    });
    this.#worker = worker;
    return worker;
  }

  #deliver(worker: Host, event: HostEvent): void {
    const child = this.#children.get(event.id);
    if (child === undefined) return;
    if (event.ev !== 'gone') child.deliver(event);
    if (event.ev !== 'gone' && event.ev !== 'close') return;
    this.#children.delete(event.id);
    if (this.#children.size === 0) {
      worker.unref();
      this.#idle = setTimeout(() => this.#stop(), this.idleMs).unref();
    }
  }

  #stop(): void {
    const worker = this.#worker;
    if (worker === undefined || this.#children.size > 0) return;
    this.#worker = undefined;
    worker.stop();
  }

  /** The host died (never expected): every child it ran is reported failed and closed. */
  #fail(err: Error): void {
    this.#worker = undefined;
    for (const child of this.#children.values()) {
      if (child.pid === undefined)
        child.deliver({ ev: 'error', id: child.id, error: { message: err.message } });
      else child.deliver({ ev: 'exit', id: child.id, code: null, signal: 'SIGKILL' });
      child.deliver({ ev: 'close', id: child.id });
    }
    this.#children.clear();
  }
}

/** Where HOST_SOURCE runs: a worker thread or a small helper process, behind one face. */
interface Host {
  post(message: unknown): void;
  onMessage(listener: (event: HostEvent) => void): void;
  /** Called when the host has died (never expected; not after stop()). */
  onFailure(listener: (err: Error) => void): void;
  ref(): void;
  unref(): void;
  stop(): void;
}

function threadHost(): Host {
  const worker = new Worker(HOST_SOURCE, { eval: true, execArgv: [], stdout: false, stderr: false });
  return {
    post: (message) => worker.postMessage(message),
    onMessage: (listener) => void worker.on('message', listener),
    onFailure: (listener) => {
      worker.on('error', listener);
      worker.on('exit', (code) => listener(new Error(`the spawn thread exited with code ${code}`)));
    },
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    stop: () => void worker.terminate(),
  };
}

function processHost(): Host {
  const child: ChildProcess = spawn(process.execPath, ['-e', HOST_SOURCE], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    serialization: 'advanced',
    env: {},
    // Its own session, like the trials: a terminal's Ctrl-C (SIGINT to the foreground group) is
    // for the controller, which ends or keeps its trials; the helper must not die under them.
    detached: true,
  });
  return {
    post: (message) => void child.send(message as never),
    onMessage: (listener) => void child.on('message', listener as (m: unknown) => void),
    onFailure: (listener) => {
      child.on('error', listener);
      child.on('exit', (code, signal) =>
        listener(new Error(`the spawn helper process exited (${signal ?? code})`)),
      );
    },
    ref: () => {
      child.ref();
      child.channel?.ref();
    },
    unref: () => {
      child.unref();
      child.channel?.unref();
    },
    stop: () => child.disconnect(),
  };
}
