import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { sendText } from './http-reply.js';
import type { DashboardConfig } from './wire.js';

/**
 * Where `npm run build:ui` writes the web client: `<package>/dist/ui/assets`, two folders up from
 * this module both as source (src/ui) and built (dist/ui).
 */
export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('../../dist/ui/assets/', import.meta.url));

const HEAD_MARKER = '<!--katib:head-->';
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};
// The page's own code only; echarts sets inline styles; the config is a JSON data block.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'none'";

interface Loaded {
  body: Buffer;
  gzipped: Buffer | undefined;
  etag: string;
  type: string;
}

/**
 * The built web client: every page path answers index.html (with the mount prefix as its base
 * and the dashboard's settings inlined), `assets/NAME` answers the file. Files are read once and
 * kept; a missing build answers 503 saying how to make it.
 */
export class StaticAssets {
  readonly #dir: string;
  readonly #head: string;
  readonly #loaded = new Map<string, Promise<Loaded | undefined>>();

  constructor(dir: string, prefix: string, config: DashboardConfig) {
    this.#dir = dir;
    const base = prefix === '/' ? '/' : `${prefix}/`;
    const json = JSON.stringify(config).replace(/</g, '\\u003c');
    this.#head = `<base href="${escapeAttribute(base)}"><script id="katib-config" type="application/json">${json}</script>`;
  }

  async page(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const file = await this.#load('index.html');
    if (!file) {
      sendText(
        res,
        503,
        `dashboard not built: run "npm run build:ui" (no ${path.join(this.#dir, 'index.html')})\n`,
      );
      return;
    }
    this.#send(req, res, file, { 'cache-control': 'no-cache', 'content-security-policy': CSP });
  }

  async asset(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const file = ASSET_NAME.test(name) && name !== 'index.html' ? await this.#load(name) : undefined;
    if (!file) {
      sendText(res, 404, 'not found\n');
      return;
    }
    this.#send(req, res, file, { 'cache-control': 'no-cache' });
  }

  #send(req: IncomingMessage, res: ServerResponse, file: Loaded, headers: Record<string, string>): void {
    const common = {
      ...headers,
      etag: file.etag,
      vary: 'accept-encoding',
      'x-content-type-options': 'nosniff',
    };
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, common).end();
      return;
    }
    const gzip = file.gzipped && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? file.gzipped! : file.body;
    res.writeHead(200, {
      ...common,
      'content-type': file.type,
      'content-length': body.length,
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  #load(name: string): Promise<Loaded | undefined> {
    let loading = this.#loaded.get(name);
    if (!loading) {
      loading = this.#read(name);
      this.#loaded.set(name, loading);
      // A file missing now may be built later: do not remember the miss.
      void loading.then((file) => {
        if (!file) this.#loaded.delete(name);
      });
    }
    return loading;
  }

  async #read(name: string): Promise<Loaded | undefined> {
    let body: Buffer;
    try {
      body = await readFile(path.join(this.#dir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    if (name === 'index.html') body = Buffer.from(body.toString('utf8').replace(HEAD_MARKER, this.#head));
    const type = TYPES[path.extname(name)] ?? 'application/octet-stream';
    const compressible =
      type.startsWith('text/') || type.startsWith('application/json') || type === 'image/svg+xml';
    return {
      body,
      gzipped: compressible && body.length > 1024 ? gzipSync(body) : undefined,
      etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
      type,
    };
  }
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
