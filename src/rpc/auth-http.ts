/**
 * The HTTP port's mounted routes (the dashboard, its JSON and its event streams) under auth: they
 * read everything, so they need the operator token, given one of three ways (docs/security.md):
 * - `authorization: Bearer <token>` (curl, scripts);
 * - the cookie `katib_token`, which a browser gets by opening any dashboard URL once with
 *   `?token=<token>`: the answer sets the cookie (HttpOnly, SameSite=Strict, Secure over TLS) and
 *   redirects to the same URL without the token, so it does not stay in the address bar or history;
 * - nothing else: 401 without a token, 403 with a wrong one.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { KatibError } from '../api/errors.js';
import { type Bearer, bearerOf, type DbManagerAuth } from './auth.js';

export const TOKEN_COOKIE = 'katib_token';

/**
 * True if the request carries the operator token and may be served; otherwise answers it (401,
 * 403, or the redirect that sets the cookie) and returns false.
 */
export function authorizeHttp(auth: DbManagerAuth, req: IncomingMessage, res: ServerResponse): boolean {
  const url = new URL(req.url ?? '/', 'http://host');
  const fromQuery = url.searchParams.get('token');
  if (fromQuery !== null) {
    if (!auth.isOperator({ token: fromQuery })) {
      refuse(res, 403, 'the token in the link is not the operator token');
      return false;
    }
    url.searchParams.delete('token');
    const secure = (req.socket as TLSSocket).encrypted ? '; Secure' : '';
    res
      .writeHead(303, {
        location: url.pathname + url.search,
        'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(fromQuery)}; Path=/; HttpOnly; SameSite=Strict${secure}`,
        'cache-control': 'no-store',
      })
      .end();
    return false;
  }
  let bearer: Bearer;
  try {
    bearer = bearerOf(req.headers.authorization) ?? cookieToken(req.headers.cookie);
  } catch (err) {
    refuse(res, 401, (err as KatibError).message);
    return false;
  }
  if (bearer === undefined) {
    refuse(
      res,
      401,
      'authentication is on: send "authorization: Bearer <operator token>", or open this page once with ?token=<operator token>',
    );
    return false;
  }
  if (!auth.isOperator(bearer)) {
    refuse(res, 403, 'the token is not the operator token');
    return false;
  }
  return true;
}

function cookieToken(header: string | undefined): Bearer {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== TOKEN_COOKIE) continue;
    try {
      return { token: decodeURIComponent(part.slice(eq + 1).trim()) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function refuse(res: ServerResponse, status: 401 | 403, message: string): void {
  res
    .writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
      ...(status === 401 ? { 'www-authenticate': 'Bearer realm="katib"' } : {}),
    })
    .end(`${message}\n`);
}
