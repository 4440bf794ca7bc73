import type { IncomingMessage, ServerResponse } from 'node:http';

// Comments keep idle connections open through proxies that cut silent ones.
const HEARTBEAT_MS = 15_000;
// Browsers retry a dropped stream after this long.
const RETRY_MS = 1_000;

/**
 * One Server-Sent Events response. `send` writes an event whose data is JSON; `end` closes it.
 * `onClose` runs once, whether the browser left or `end` was called.
 */
export class SseStream {
  readonly #res: ServerResponse;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #onClose: (() => void)[] = [];
  #closed = false;

  constructor(req: IncomingMessage, res: ServerResponse) {
    this.#res = res;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    this.#heartbeat = setInterval(() => this.#write(': keep-alive\n\n'), HEARTBEAT_MS);
    this.#heartbeat.unref();
    req.socket.setNoDelay(true);
    res.on('close', () => this.#closeOnce());
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(event: string, data: unknown): void {
    this.#write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  onClose(listener: () => void): void {
    if (this.#closed) listener();
    else this.#onClose.push(listener);
  }

  end(): void {
    if (this.#closed) return;
    this.#res.end();
    this.#closeOnce();
  }

  #write(text: string): void {
    if (!this.#closed) this.#res.write(text);
  }

  #closeOnce(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    for (const listener of this.#onClose.splice(0)) listener();
  }
}
