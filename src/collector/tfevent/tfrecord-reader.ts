import { crc32c } from '@aws-crypto/crc32c';

/** TFRecord framing: an 8-byte little-endian length, its masked CRC32C, the data, the data's masked CRC32C. */
const HEADER_BYTES = 12;
const FOOTER_BYTES = 4;
/** A record this large is not a summary event: taken as a corrupt length, not waited for. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** TensorFlow's CRC mask (a rotation plus a constant), so a CRC of data holding CRCs stays strong. */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/**
 * Reads TFRecord records from a file that is still being written, chunk by chunk. Contract:
 * `push(chunk)` takes the next bytes of the file in order and returns the complete records they
 * finish; an incomplete record at the end is kept until more bytes come (a writer mid-record).
 * A record whose length CRC is wrong cannot be framed: the reader skips one byte at a time until
 * a header checks out again. A record whose data CRC is wrong is skipped whole. Each skip is
 * reported to `onProblem`; nothing here throws on bad bytes.
 */
export class TfRecordReader {
  private pending: Buffer = Buffer.alloc(0);
  private resyncing = false;

  constructor(private readonly onProblem: (reason: string) => void) {}

  push(chunk: Uint8Array): Buffer[] {
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    let at = 0;
    const buf = this.pending;
    while (buf.length - at >= HEADER_BYTES) {
      const length = buf.readBigUInt64LE(at);
      const lengthOk = buf.readUInt32LE(at + 8) === maskedCrc32c(buf.subarray(at, at + 8));
      if (!lengthOk || length > BigInt(MAX_RECORD_BYTES)) {
        if (!this.resyncing)
          this.onProblem('TFRecord length check failed: bytes skipped until the next record');
        this.resyncing = true;
        at++;
        continue;
      }
      const n = Number(length);
      if (buf.length - at < HEADER_BYTES + n + FOOTER_BYTES) break;
      this.resyncing = false;
      const data = buf.subarray(at + HEADER_BYTES, at + HEADER_BYTES + n);
      const dataCrc = buf.readUInt32LE(at + HEADER_BYTES + n);
      if (dataCrc === maskedCrc32c(data)) out.push(Buffer.from(data));
      else this.onProblem('TFRecord data check failed: record skipped');
      at += HEADER_BYTES + n + FOOTER_BYTES;
    }
    this.pending = at === 0 ? buf : buf.subarray(at);
    return out;
  }

  /** Bytes of an unfinished record; after the writer has exited they are a truncated record. */
  get leftover(): number {
    return this.pending.length;
  }
}
