import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';

export type StreamName = 'stdout' | 'stderr';

/** What the host reports about one child, in the order it happened there. */
export type HostEvent =
  | { ev: 'spawn'; id: number; pid: number }
  | { ev: 'error'; id: number; error: Record<string, unknown> }
  | { ev: 'data'; id: number; stream: StreamName; chunk: Uint8Array }
  | { ev: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { ev: 'close'; id: number }
  /** Nothing more about this child: after `close`, or after the `error` of a spawn that failed. */
  | { ev: 'gone'; id: number };

/**
 * One of a HostChild's pipes on this side: fed by the host's messages. Once it holds more than
 * its high-water mark the real pipe is paused, and resumed when it is read again.
 */
class HostPipe extends Readable {
  #paused = false;
  #ended = false;

  constructor(private readonly send: (op: 'pause' | 'resume' | 'destroy') => void) {
    super();
  }

  override _read(): void {
    if (this.#paused) {
      this.#paused = false;
      this.send('resume');
    }
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    // Destroyed before its end (given up by the runner): the host lets go of the real pipe.
    if (!this.readableEnded) this.send('destroy');
    callback(err);
  }

  /** The pipe's end, once: when the child has closed (its pipes have ended in the host). */
  finish(): void {
    if (this.#ended || this.destroyed) return;
    this.#ended = true;
    this.push(null);
  }

  pauseSource(): void {
    if (!this.#paused) {
      this.#paused = true;
      this.send('pause');
    }
  }
}

/**
 * A process started by a SpawnHost, as much of a ChildProcess as the local runner uses: `pid`
 * once spawned; the events `spawn`, `error`, `exit` (code, signal) and `close` (after exit, once
 * both pipes have been read to their end or destroyed); `stdout`/`stderr` as Readables whose
 * pause() reaches the real pipe (so a slow reader slows the trial down, as with a local pipe).
 */
export class HostChild extends EventEmitter {
  pid: number | undefined;
  readonly stdout: HostPipe;
  readonly stderr: HostPipe;
  #closed = false;
  #open = 2;

  constructor(
    readonly id: number,
    send: (op: 'pause' | 'resume' | 'destroy', stream: StreamName) => void,
  ) {
    super();
    const pipe = (name: StreamName): HostPipe => {
      const stream = new HostPipe((op) => send(op, name));
      stream.once('close', () => this.#streamClosed());
      return stream;
    };
    this.stdout = pipe('stdout');
    this.stderr = pipe('stderr');
  }

  /** Called by SpawnHost with this child's events, in the order the host saw them. */
  deliver(event: HostEvent): void {
    switch (event.ev) {
      case 'spawn':
        this.pid = event.pid;
        this.emit('spawn');
        break;
      case 'error':
        this.emit('error', Object.assign(new Error(String(event.error.message)), event.error));
        break;
      case 'data': {
        const stream = this[event.stream];
        if (stream.destroyed) break;
        const chunk = Buffer.from(event.chunk.buffer, event.chunk.byteOffset, event.chunk.byteLength);
        if (!stream.push(chunk)) stream.pauseSource();
        break;
      }
      case 'exit':
        this.emit('exit', event.code, event.signal);
        break;
      case 'close':
        this.#closed = true;
        // Pipes closed in the host end here too (a destroyed one never pushed its end).
        this.stdout.finish();
        this.stderr.finish();
        this.#maybeClose();
        break;
    }
  }

  #streamClosed(): void {
    this.#open--;
    this.#maybeClose();
  }

  #maybeClose(): void {
    if (this.#closed && this.#open === 0) this.emit('close');
  }
}
