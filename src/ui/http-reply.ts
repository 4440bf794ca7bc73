import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { type ErrorCode, KatibError } from '../api/errors.js';

// Below this a JSON body is sent as it is: compressing it saves less than it costs.
const GZIP_FROM_BYTES = 8 * 1024;

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  invalid_argument: 400,
  out_of_range: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  failed_precondition: 409,
  aborted: 409,
  resource_exhausted: 429,
  cancelled: 499,
  unimplemented: 501,
  unavailable: 503,
  deadline_exceeded: 504,
};

/** JSON with `no-store` (the data changes under the page), gzipped when large and accepted. */
export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  const text = Buffer.from(JSON.stringify(body));
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    vary: 'accept-encoding',
  };
  let payload: Buffer = text;
  if (text.length >= GZIP_FROM_BYTES && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    payload = gzipSync(text, { level: 4 });
    headers['content-encoding'] = 'gzip';
  }
  headers['content-length'] = payload.length;
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : payload);
}

/** `{error: {code, message, field?}}` with the HTTP status for the KatibError's code. */
export function sendError(req: IncomingMessage, res: ServerResponse, err: unknown): void {
  const e = KatibError.from(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(req, res, HTTP_STATUS[e.code] ?? 500, {
    error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) },
  });
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(text);
}
