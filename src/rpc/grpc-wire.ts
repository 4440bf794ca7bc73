/**
 * The pieces of the gRPC-over-HTTP/2 wire format (gRPC's PROTOCOL-HTTP2.md) that a unary server
 * needs: status numbers, length-prefixed message frames, `grpc-timeout` and `grpc-message`.
 */

/** gRPC status codes the server itself answers with (handlers may answer any). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** Bytes before each message: 1 compressed-flag byte, 4 bytes big-endian length. */
export const FRAME_PREFIX_BYTES = 5;

/** `message` length-prefixed, uncompressed. */
export function frameMessage(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, FRAME_PREFIX_BYTES);
  return frame;
}

const TIMEOUT = /^(\d{1,8})([HMSmun])$/;
const TIMEOUT_UNIT_MS: Record<string, number> = {
  H: 3_600_000,
  M: 60_000,
  S: 1000,
  m: 1,
  u: 0.001,
  n: 0.000_001,
};

/**
 * A `grpc-timeout` value (`1..8 digits` + unit `H M S m u n`) in milliseconds; undefined when
 * the header is malformed.
 */
export function parseGrpcTimeout(value: string): number | undefined {
  const m = TIMEOUT.exec(value);
  if (m === null) return undefined;
  return Number(m[1]) * TIMEOUT_UNIT_MS[m[2]!]!;
}

// Printable ASCII except '%' goes as it is; everything else as %XX of its UTF-8 bytes.
const NEEDS_ENCODING = /[^\x20-\x24\x26-\x7e]/;

/**
 * Percent-encodes a status message for the `grpc-message` trailer (UTF-8, as gRPC's spec says).
 * Spaces at either end are encoded too: HTTP/2 forbids them around a field value, and nghttp2 on
 * the client's side drops such a field (a message ending "Resolution note: " arrived empty).
 */
export function encodeGrpcMessage(text: string): string {
  if (!NEEDS_ENCODING.test(text) && !text.startsWith(' ') && !text.endsWith(' ')) return text;
  const bytes = Buffer.from(text, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    const edgeSpace = byte === 0x20 && (i === 0 || i === bytes.length - 1);
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25 && !edgeSpace
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
