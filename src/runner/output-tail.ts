/**
 * The last `maxBytes` of a trial's output, stdout and stderr interleaved by arrival, kept as
 * whole lines (the oldest lines go first; a single line bigger than the whole tail keeps its end).
 */
export class OutputTail {
  private lines: string[] = [];
  private sizes: number[] = [];
  private head = 0;
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  push(line: string, lineBytes: number): void {
    let size = lineBytes + 1; // the newline
    if (size > this.maxBytes) {
      const keep = Math.max(0, this.maxBytes - 1);
      const bytes = Buffer.from(line);
      // Cutting inside a UTF-8 sequence yields U+FFFD (3 bytes): count what the text really is.
      line = keep === 0 ? '' : bytes.subarray(bytes.length - keep).toString('utf8');
      size = Math.min(Buffer.byteLength(line), keep) + 1;
    }
    this.lines.push(line);
    this.sizes.push(size);
    this.bytes += size;
    while (this.bytes > this.maxBytes && this.head < this.lines.length) {
      this.bytes -= this.sizes[this.head]!;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }

  text(): string {
    const n = this.lines.length - this.head;
    if (n === 0) return '';
    return `${this.lines.slice(this.head).join('\n')}\n`;
  }
}
