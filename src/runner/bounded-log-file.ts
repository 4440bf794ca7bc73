import { type FileHandle, open, rename } from 'node:fs/promises';

// Queued bytes above which the writer asks its source to pause (the trial then blocks on its pipe).
const HIGH_WATER = 1024 * 1024;
const LF = 0x0a;

/**
 * A log file that never grows past `maxBytes` on disk: output goes to `path` until it holds half
 * of `maxBytes`, then `path` becomes `path.1` (replacing the previous one) and a fresh `path`
 * starts, at a line end when one fits, so the newest output is always kept. Writes are queued; `write` returns false once more
 * than 1 MiB is queued, and `onDrain` says when to resume, so a trial printing faster than the
 * disk takes it is slowed down instead of filling memory. A write error (disk full) stops the
 * file, not the trial: `error` says what happened.
 */
export class BoundedLogFile {
  error: string | undefined;
  private queue: Buffer[] = [];
  private queued = 0;
  private size = 0;
  private writing: Promise<void> | undefined;
  private drainWaiter: (() => void) | undefined;
  private closed = false;
  private readonly segmentBytes: number;

  private constructor(
    readonly path: string,
    private fh: FileHandle | undefined,
    maxBytes: number,
  ) {
    this.segmentBytes = Math.max(1, Math.floor(maxBytes / 2));
  }

  /** Creates (or empties) the file. Rejects when it cannot be opened. */
  static async open(path: string, maxBytes: number): Promise<BoundedLogFile> {
    return new BoundedLogFile(path, await open(path, 'w'), maxBytes);
  }

  /** Queues `chunk` (kept, not copied). False means: pause the source until onDrain fires. */
  write(chunk: Buffer): boolean {
    if (this.error !== undefined || this.closed) return true;
    this.queue.push(chunk);
    this.queued += chunk.length;
    this.writing ??= this.loop();
    return this.queued <= HIGH_WATER;
  }

  /** Calls `resume` once the queue has emptied (replacing any earlier waiter). */
  onDrain(resume: () => void): void {
    if (this.queued === 0) resume();
    else this.drainWaiter = resume;
  }

  /** Writes what is queued, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.writing;
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close().catch(() => {});
  }

  private async loop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const chunk = this.queue.shift()!;
        let rest = chunk;
        while (rest.length > 0) {
          if (this.size >= this.segmentBytes) await this.rotate();
          let part = rest.subarray(0, this.segmentBytes - this.size);
          if (part.length < rest.length) {
            // Rotate at a line end when one fits, so each file holds whole lines.
            const nl = part.lastIndexOf(LF);
            if (nl >= 0) part = part.subarray(0, nl + 1);
            else if (this.size > 0) {
              await this.rotate();
              continue;
            }
          }
          await this.fh!.write(part);
          this.size += part.length;
          rest = rest.subarray(part.length);
        }
        this.queued -= chunk.length;
      }
    } catch (err) {
      this.error = `${this.path}: ${(err as Error).message}`;
      this.queue = [];
      this.queued = 0;
    }
    this.writing = undefined;
    const waiter = this.drainWaiter;
    this.drainWaiter = undefined;
    waiter?.();
  }

  private async rotate(): Promise<void> {
    await this.fh!.close();
    this.fh = undefined;
    await rename(this.path, `${this.path}.1`);
    this.fh = await open(this.path, 'w');
    this.size = 0;
  }
}
