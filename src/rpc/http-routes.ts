import type { IncomingMessage, ServerResponse } from 'node:http';

/** A plain Node request handler; it owns the response once called. A returned promise that rejects answers 500. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * The HTTP port's extension point: handlers mounted under a path prefix (the dashboard, `/metrics`).
 * The DBManager routes (`/api.v1.beta1.DBManager/...`) and `/healthz` come first; then the
 * longest mounted prefix that matches; else 404.
 */
export class HttpRoutes {
  readonly #mounts: { prefix: string; handler: HttpHandler }[] = [];

  /**
   * Serves every path equal to `prefix` or under it (`/ui` serves `/ui` and `/ui/...`; `/` serves
   * everything not served otherwise). Mounting the same prefix again replaces the handler.
   */
  mount(prefix: string, handler: HttpHandler): void {
    if (!prefix.startsWith('/'))
      throw new TypeError(`HTTP mount prefix ${JSON.stringify(prefix)} must start with "/"`);
    const normal = prefix.length > 1 && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
    const at = this.#mounts.findIndex((m) => m.prefix === normal);
    if (at >= 0) this.#mounts.splice(at, 1);
    this.#mounts.push({ prefix: normal, handler });
    this.#mounts.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** The handler for `path`, or undefined. */
  find(path: string): HttpHandler | undefined {
    for (const { prefix, handler } of this.#mounts) {
      if (prefix === '/' || path === prefix || path.startsWith(`${prefix}/`)) return handler;
    }
    return undefined;
  }
}
