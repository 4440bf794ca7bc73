/** Longest line kept, in bytes: the rest of a longer line is dropped (see LineSplitter). */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

/** Receives one decoded line; `truncated` when bytes past the cap were dropped. */
export type LineSink = (line: string, truncated: boolean, bytes: number) => void;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Cuts a byte stream into lines as chunks arrive. Splitting happens on bytes, before decoding,
 * so a UTF-8 character split across two chunks decodes whole (LF never occurs inside a UTF-8
 * sequence); invalid UTF-8 decodes to U+FFFD. A trailing CR is dropped (CRLF output). A line
 * longer than `maxLineBytes` is cut to its first `maxLineBytes` bytes and the rest, up to the
 * next LF, is discarded: memory per stream stays bounded whatever the program prints.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;
  private overflow = false;

  constructor(
    private readonly emit: LineSink,
    private readonly maxLineBytes: number = DEFAULT_MAX_LINE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(LF, start);
      if (nl < 0) break;
      if (this.partBytes === 0 && !this.overflow) {
        this.emitBytes(chunk.subarray(start, nl), false);
      } else {
        this.keep(chunk.subarray(start, nl));
        this.emitPending();
      }
      start = nl + 1;
    }
    if (start < chunk.length) this.keep(chunk.subarray(start));
  }

  /** Emits what is left after the last LF (a last line without newline). */
  end(): void {
    if (this.partBytes > 0 || this.overflow) this.emitPending();
  }

  /** Drops a partial line (the source was truncated under us). */
  reset(): void {
    this.parts = [];
    this.partBytes = 0;
    this.overflow = false;
  }

  private keep(bytes: Buffer): void {
    const room = this.maxLineBytes - this.partBytes;
    if (bytes.length > room) {
      this.overflow = true;
      if (room <= 0) return;
      bytes = bytes.subarray(0, room);
    }
    // Copy: the caller's chunk may be a pooled buffer that is reused after this call.
    this.parts.push(Buffer.from(bytes));
    this.partBytes += bytes.length;
  }

  private emitPending(): void {
    const line = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partBytes);
    const truncated = this.overflow;
    this.reset();
    this.emitBytes(line, truncated);
  }

  private emitBytes(bytes: Buffer, truncated: boolean): void {
    if (bytes.length > this.maxLineBytes) {
      bytes = bytes.subarray(0, this.maxLineBytes);
      truncated = true;
    }
    const size = bytes.length;
    if (!truncated && size > 0 && bytes[size - 1] === CR) bytes = bytes.subarray(0, size - 1);
    this.emit(bytes.toString('utf8'), truncated, size);
  }
}
