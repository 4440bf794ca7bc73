import { type FileHandle, open, stat } from 'node:fs/promises';
import { DEFAULT_MAX_LINE_BYTES, type LineSink, LineSplitter } from './line-splitter.js';

export interface FileFollowerOptions {
  /** How often the file is checked for new data (default 100 ms). */
  pollIntervalMs?: number;
  maxLineBytes?: number;
  /**
   * Awaited before each read: back-pressure from whoever takes the lines (the File collector
   * waits while its points wait for the store; the file keeps what is not read yet).
   */
  waitForRoom?: () => Promise<void>;
}

const READ_CHUNK = 64 * 1024;

/**
 * Follows a file the way `tail -F` does, by polling (portable, and a missed notification can
 * only delay a line, never lose it): the file may not exist yet; when it is truncated (smaller
 * than what was read) reading restarts at 0; when it is replaced (rotated: another inode at the
 * path) the old one is read to its end and the new one from its start. A rewrite that grows
 * past the old size between two polls is not detected as a truncation; that is the limit of
 * any tail.
 */
export class FileFollower {
  private fh: FileHandle | undefined;
  private ino = -1;
  private dev = -1;
  private offset = 0;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly reported = new Set<string>();
  private readonly splitter: LineSplitter;
  private readonly buf = Buffer.allocUnsafe(READ_CHUNK);
  private readonly pollIntervalMs: number;
  private readonly waitForRoom: (() => Promise<void>) | undefined;
  /** Times the file was found truncated or replaced. */
  restarts = 0;

  constructor(
    readonly path: string,
    onLine: LineSink,
    private readonly onProblem: (reason: string) => void,
    options: FileFollowerOptions = {},
  ) {
    this.splitter = new LineSplitter(onLine, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.waitForRoom = options.waitForRoom;
  }

  start(): void {
    this.schedule(0);
  }

  /** Stops following after reading the file to its end (call it once the writer has exited). */
  async finish(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
    await this.poll();
    this.splitter.end();
    await this.fh?.close().catch(() => {});
    this.fh = undefined;
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.current = this.poll().then(() => {
        if (!this.stopped) this.schedule(this.pollIntervalMs);
      });
    }, delay);
  }

  private async poll(): Promise<void> {
    if (!this.fh && !(await this.open())) return;
    await this.drain();
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(this.path);
    } catch (err) {
      // Gone (moved away or deleted): keep what was read; a new file at the path is picked up later.
      if (code(err) !== 'ENOENT') this.problem(err);
      return;
    }
    if (st.ino !== this.ino || st.dev !== this.dev) {
      this.restarts++;
      await this.drain(); // what the writer added to the old file before it was replaced
      this.splitter.end();
      await this.close();
      if (await this.open()) await this.drain();
    } else if (st.size < this.offset) {
      this.restarts++;
      this.offset = 0;
      this.splitter.reset();
      await this.drain();
    }
  }

  private async open(): Promise<boolean> {
    try {
      const fh = await open(this.path, 'r');
      const st = await fh.stat();
      if (st.isDirectory()) {
        await fh.close();
        this.problem(Object.assign(new Error('is a directory, not a file'), { code: 'EISDIR' }));
        return false;
      }
      this.fh = fh;
      this.ino = st.ino;
      this.dev = st.dev;
      this.offset = 0;
      return true;
    } catch (err) {
      if (code(err) !== 'ENOENT') this.problem(err);
      return false;
    }
  }

  private async drain(): Promise<void> {
    const fh = this.fh;
    if (!fh) return;
    try {
      for (;;) {
        if (this.waitForRoom) await this.waitForRoom();
        const { bytesRead } = await fh.read(this.buf, 0, this.buf.length, this.offset);
        if (bytesRead === 0) return;
        this.offset += bytesRead;
        this.splitter.push(this.buf.subarray(0, bytesRead));
      }
    } catch (err) {
      this.problem(err);
      await this.close();
    }
  }

  private async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close().catch(() => {});
  }

  // One report per kind of error: a file unreadable for the whole trial is one problem, not one per poll.
  private problem(err: unknown): void {
    const key = code(err) ?? String(err);
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.onProblem(`${this.path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}
