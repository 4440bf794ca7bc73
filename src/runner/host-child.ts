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
 * One of a HostChild's pipes on this side: fed by the host's messages. Every byte is acknowledged
 * to the host once it has been taken from here (at once while the reader keeps up, else when it
 * reads again); the host reads the real pipe at most RELAY_WINDOW_BYTES ahead of the acks.
 */
class HostPipe extends Readable {
  /** Bytes received and buffered here, not acknowledged yet (the reader is behind). */
  #held = 0;
  #ended = false;

  constructor(private readonly send: (op: 'ack' | 'destroy', bytes?: number) => void) {
    super();
  }

  override _read(): void {
    if (this.#held > 0) {
      const bytes = this.#held;
      this.#held = 0;
      this.send('ack', bytes);
    }
  }

  /** A chunk from the host: acknowledged at once unless the buffer here is full. */
  deliver(chunk: Buffer): void {
    if (this.push(chunk)) this.send('ack', chunk.length);
    else this.#held += chunk.length;
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
    send: (op: 'ack' | 'destroy', stream: StreamName, bytes?: number) => void,
  ) {
    super();
    const pipe = (name: StreamName): HostPipe => {
      const stream = new HostPipe((op, bytes) => send(op, name, bytes));
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
        stream.deliver(Buffer.from(event.chunk.buffer, event.chunk.byteOffset, event.chunk.byteLength));
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
