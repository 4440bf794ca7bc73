import { type Dirent, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { TfRecordReader } from './tfrecord-reader.js';

const READ_CHUNK = 256 * 1024;

interface Followed {
  reader: TfRecordReader;
  offset: number;
  ino: number;
}

/**
 * Follows every event file (`tfevents` in its name, as TensorBoard finds them) under a directory,
 * recursively as Katib's collector walks it, by polling: the directory and its files may appear late,
 * files grow while the trial runs, and a file that shrinks or is replaced is read again from its
 * start. Each complete TFRecord is handed to `onRecord` with its file's path, in file order.
 * Problems (unreadable files, bad framing) go to `onProblem` with the file; nothing throws.
 */
export class EventDirectory {
  private readonly files = new Map<string, Followed>();
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly buf = Buffer.allocUnsafe(READ_CHUNK);
  private readonly dirProblems = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly onRecord: (file: string, record: Buffer) => void,
    private readonly onProblem: (file: string, reason: string) => void,
    private readonly options: { pollIntervalMs?: number; waitForRoom?: () => Promise<void> } = {},
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** Reads everything written so far, then stops (call it once the trial has exited). */
  async finish(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
    await this.poll();
    for (const [file, f] of this.files) {
      if (f.reader.leftover > 0)
        this.onProblem(file, `truncated record at the end (${f.reader.leftover} bytes)`);
    }
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.current = this.poll().finally(() => {
        if (!this.stopped) this.schedule(this.options.pollIntervalMs ?? 200);
      });
    }, delay);
    this.timer.unref?.();
  }

  private async poll(): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(this.dir, { withFileTypes: true, recursive: true });
    } catch (err) {
      // Not there yet is normal early in a trial; anything else is said once it is final.
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' || this.stopped) && !this.dirProblems.has(String(code))) {
        this.dirProblems.add(String(code));
        this.onProblem(this.dir, `cannot read the event directory: ${(err as Error).message}`);
      }
      return;
    }
    // TensorBoard's own rule for what is an event file: 'tfevents' in its name. Other files
    // (checkpoints, logs) are never read, so a large one costs nothing.
    const names = entries
      .filter((e) => e.isFile() && e.name.includes('tfevents'))
      .map((e) => join(e.parentPath, e.name))
      .sort();
    for (const file of names) await this.readFile(file);
  }

  private async readFile(file: string): Promise<void> {
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(file, 'r');
      const st = await handle.stat();
      let f = this.files.get(file);
      if (f === undefined || st.ino !== f.ino || st.size < f.offset) {
        f = { reader: new TfRecordReader((reason) => this.onProblem(file, reason)), offset: 0, ino: st.ino };
        this.files.set(file, f);
      }
      while (f.offset < st.size) {
        await this.options.waitForRoom?.();
        const { bytesRead } = await handle.read(this.buf, 0, READ_CHUNK, f.offset);
        if (bytesRead === 0) break;
        f.offset += bytesRead;
        for (const record of f.reader.push(this.buf.subarray(0, bytesRead))) this.onRecord(file, record);
      }
    } catch (err) {
      this.onProblem(file, `cannot read: ${(err as Error).message}`);
    } finally {
      await handle?.close();
    }
  }
}
