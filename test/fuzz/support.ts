/**
 * Shared pieces of the fuzz suites: bounded fast-check parameters, a bare HTTP/2 gRPC caller (to
 * send what no gRPC library would), a row counter over the real store, and nasty inputs.
 *
 * Every property runs a fixed number of times (small enough for a loaded 2-core machine). On a
 * failure fast-check prints the seed and path; rerun with KATIB_FUZZ_SEED=<seed> (and
 * KATIB_FUZZ_PATH=<path>) to replay exactly that case. KATIB_FUZZ_SCALE=<n> runs every property
 * n times as often, to hunt on a quiet machine (a failure found so in year 0000 on PostgreSQL).
 */
import type http2 from 'node:http2';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { Database } from '../../src/store/index.js';

/** fast-check parameters: `numRuns` (times KATIB_FUZZ_SCALE), and the seed/path to replay from the environment. */
export function fuzzParams<T>(numRuns: number): fc.Parameters<T> {
  const seed = process.env.KATIB_FUZZ_SEED;
  const path = process.env.KATIB_FUZZ_PATH;
  const scale = Number(process.env.KATIB_FUZZ_SCALE ?? '1');
  return {
    numRuns: Number.isFinite(scale) && scale > 0 ? Math.ceil(numRuns * scale) : numRuns,
    ...(seed ? { seed: Number(seed) } : {}),
    ...(path ? { path } : {}),
    endOnFailure: true,
    includeErrorInReport: true,
  };
}

export interface RawReply {
  httpStatus: number;
  /** grpc-status from the trailers (or a trailers-only response); NaN when there was none. */
  status: number;
  message: string;
  body: Buffer;
  /** The stream was reset or the connection went away before a status came. */
  broken: boolean;
}

/** One call over a bare node:http2 session: `body` is sent as it is (frame it yourself). */
export function rawGrpcCall(
  session: http2.ClientHttp2Session,
  path: string,
  body: Uint8Array,
  headers: http2.OutgoingHttpHeaders = {},
): Promise<RawReply> {
  return new Promise((resolve) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...headers,
    });
    let head: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      head = h;
    });
    stream.on('trailers', (t) => {
      trailers = t;
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => {});
    stream.on('close', () => {
      const status = trailers['grpc-status'] ?? head['grpc-status'];
      const message = trailers['grpc-message'] ?? head['grpc-message'] ?? '';
      resolve({
        httpStatus: Number(head[':status'] ?? 0),
        status: status === undefined ? Number.NaN : Number(status),
        message: safeDecode(String(message)),
        body: Buffer.concat(chunks),
        broken: status === undefined,
      });
    });
    stream.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A message with gRPC's 5-byte prefix: `flag`, then `declared` (default: the real length). */
export function grpcFrame(message: Uint8Array, declared = message.length, flag = 0): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out[0] = flag;
  out.writeUInt32BE(declared >>> 0, 1);
  out.set(message, 5);
  return out;
}

/** Rows in observation_logs, all trials together: what a rejected request must leave as it was. */
export async function rowCount(db: Database): Promise<number> {
  const { rows } = await sql<{
    n: number | string | bigint;
  }>`select count(*) as n from observation_logs`.execute(db.kysely);
  return Number(rows[0]?.n ?? 0);
}

/** Names a careless server would choke on: SQL, quotes, unicode, NUL, lone surrogates, huge. */
export const nastyName: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 12, unit: 'grapheme' }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12, unit: 'binary' }) },
  fc.constantFrom(
    "'; DROP TABLE observation_logs; --",
    "x' OR '1'='1",
    'Robert"); DELETE FROM trials; --',
    '\\',
    '%',
    '_',
    'a\u0000b',
    '\u0000',
    '\ud800',
    'a\udfffb',
    '😀'.repeat(255),
    '😀'.repeat(256),
    'é'.repeat(256),
    'x'.repeat(255),
    'x'.repeat(256),
    'x'.repeat(70_000),
    ' ',
    '',
    '\u202e\u200b',
    'ﷺ',
  ),
);

/** Metric values: numbers every way they print, and things that are not numbers. */
export const nastyValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.double().map(String) },
  fc.constantFrom(
    'NaN',
    'nan',
    'Infinity',
    '-Infinity',
    '+Inf',
    '-0',
    '0',
    '1e308',
    '1e309',
    '1e999999999',
    '-1e-999999',
    '4.9e-324',
    '0x10',
    '1_000',
    '١٢٣',
    '',
    ' 1',
    'unavailable',
    '9'.repeat(1024),
    '9'.repeat(1025),
    "1'; DROP TABLE observation_logs; --",
  ),
  fc.string({ maxLength: 8 }),
);

/** RFC 3339 time stamps, good and bad. */
export const nastyStamp: fc.Arbitrary<string> = fc.oneof(
  fc.constant(''),
  fc
    .date({
      min: new Date('0001-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '2026-01-01T00:00:00Z',
    '2026-01-01T00:00:00.123456789Z',
    '2026-02-30T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '99999-01-01T00:00:00Z',
    '2026-01-01T00:00:00+25:00',
    'yesterday',
    '2026-01-01T00:00:00',
  ),
  fc.string({ maxLength: 30 }),
);
