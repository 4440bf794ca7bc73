import { Writable } from 'node:stream';
import { type KubeConfig, Log } from '@kubernetes/client-node';
import { LineSplitter } from '../../collector/index.js';
import { kubeApiError } from './kube-api.js';

/** What the follower knows of its container from the pod watch. */
export type ContainerPhase = 'waiting' | 'running' | 'terminated' | 'gone';

export interface LogFollowerOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  pod: string;
  container: string;
  maxLineBytes: number;
  /** Receives each line of the container's log once, in order. */
  onLine: (line: string, truncated: boolean, bytes: number) => void;
  phase: () => ContainerPhase;
  onError: (message: string) => void;
  retryMs: number;
}

// RFC 3339 time stamp the API server puts before each line with timestamps=true.
const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z /;

/**
 * Follows one container's log (`pods/log?follow=true&timestamps=true` through the client's Log
 * API) until the container has terminated and a stream opened after that has been read to its
 * end. A stream that breaks off is reopened from the last line's second (`sinceTime`), and lines
 * already delivered are skipped by their nanosecond time stamps, so every line arrives once.
 */
export class LogFollower {
  readonly done: Promise<void>;
  readonly #o: LogFollowerOptions;
  #stopped = false;
  #abort: AbortController | undefined;
  #wake: (() => void) | undefined;
  #lastNs = -1n;
  #atLast = 0;

  constructor(options: LogFollowerOptions) {
    this.#o = options;
    this.done = this.#loop();
  }

  /** Stops following (what has been read is delivered); `done` resolves. */
  stop(): void {
    this.#stopped = true;
    this.#abort?.abort();
    this.#wake?.();
  }

  async #loop(): Promise<void> {
    let delay = this.#o.retryMs;
    while (!this.#stopped) {
      const phase = this.#o.phase();
      if (phase === 'gone') return;
      if (phase === 'waiting') {
        await this.#sleep(this.#o.retryMs);
        continue;
      }
      let complete = false;
      try {
        complete = await this.#stream();
        delay = this.#o.retryMs;
      } catch (err) {
        const e = kubeApiError(err);
        if (e.status === 404) return; // the pod is gone
        // 400: the container has not started (or restarts); anything else is retried too.
        if (e.status !== 400) this.#o.onError(`log of pod ${this.#o.pod}: ${e.message}`);
        await this.#sleep(delay);
        delay = Math.min(delay * 2, 30_000);
        continue;
      }
      if (complete && phase === 'terminated') return;
      if (!complete) await this.#sleep(delay);
    }
  }

  /** One log request; true when the server ended it (rather than the connection breaking). */
  async #stream(): Promise<boolean> {
    let resolveEnd!: (complete: boolean) => void;
    const ended = new Promise<boolean>((resolve) => {
      resolveEnd = resolve;
    });
    let skip = this.#atLast;
    const splitter = new LineSplitter((line, truncated) => {
      const m = STAMP.exec(line);
      let text = line;
      if (m) {
        const ns = BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
        text = line.slice(m[0].length);
        if (ns < this.#lastNs) return;
        if (ns === this.#lastNs) {
          if (skip > 0) {
            skip--;
            return;
          }
          this.#atLast++;
        } else {
          this.#lastNs = ns;
          this.#atLast = 1;
          skip = 0;
        }
      }
      this.#o.onLine(text, truncated, Buffer.byteLength(text));
    }, this.#o.maxLineBytes + 64);
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        splitter.push(chunk);
        callback();
      },
    });
    // The response body is piped into `sink`: its own events say how the stream ended.
    sink.on('pipe', (body) => {
      body.once('end', () => {
        splitter.end();
        resolveEnd(true);
      });
      body.once('error', () => resolveEnd(false));
      body.once('close', () => resolveEnd(false));
    });
    const options: { follow: boolean; timestamps: boolean; sinceTime?: string } = {
      follow: true,
      timestamps: true,
    };
    if (this.#lastNs >= 0n) {
      options.sinceTime = `${new Date(Number(this.#lastNs / 1_000_000_000n) * 1000).toISOString().slice(0, 19)}Z`;
    }
    const { kubeConfig, namespace, pod, container } = this.#o;
    this.#abort = await new Log(kubeConfig).log(namespace, pod, container, sink, options);
    if (this.#stopped) this.#abort.abort();
    return ended;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
