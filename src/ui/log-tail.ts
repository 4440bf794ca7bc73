import { open } from 'node:fs/promises';
import type { LogTail } from './wire.js';

/**
 * The last `maxBytes` of the file at `file`. A cut tail starts after its first line break (no
 * half line, no split UTF-8 character); a missing file is `{text: null}`; other read errors reject.
 */
export async function readLogTail(file: string, maxBytes: number): Promise<LogTail> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { text: null, size: 0, truncated: false };
    throw err;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(buffer, read, length - read, size - length + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    let bytes = buffer.subarray(0, read);
    const truncated = size > length;
    if (truncated) {
      const newline = bytes.indexOf(10);
      if (newline >= 0) bytes = bytes.subarray(newline + 1);
    }
    return { text: bytes.toString('utf8'), size, truncated };
  } finally {
    await handle.close();
  }
}
