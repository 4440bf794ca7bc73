import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { authorizeHttp, createConnectServer, type DbManagerAuth, type HttpRoutes } from '../rpc/index.js';
import type { HealthProbe } from './health.js';
import type { DbManagerLimits } from './limits.js';
import { dbManagerRpc } from './rpc-service.js';
import type { DbManagerService } from './service.js';

/**
 * The DB manager's HTTP port (HTTP/1.1), not yet listening: the DBManager service as Connect
 * JSON (and binary) unary calls (`POST /api.v1.beta1.DBManager/ReportObservationLog`,
 * `Content-Type: application/json`, an optional `katib-idempotency-key` header as on the gRPC
 * port), `GET /healthz` (200 "ok" while the database answers, 503 otherwise) and `routes`.
 * With `auth`, the DBManager calls need tokens as on the gRPC port (the same rules) and `routes`
 * the operator token (see authorizeHttp); /healthz stays open. With `tls`, HTTPS only.
 */
export function createHttpPort(
  service: DbManagerService,
  probe: HealthProbe,
  routes: HttpRoutes,
  limits: Pick<DbManagerLimits, 'maxMessageBytes' | 'maxConnections'>,
  onConnectionsDropped?: (dropped: number, maxConnections: number) => void,
  auth?: DbManagerAuth,
  tls?: { cert: Buffer; key: Buffer },
): Server {
  return createConnectServer({
    services: [dbManagerRpc(service, auth)],
    maxMessageBytes: limits.maxMessageBytes,
    maxConnections: limits.maxConnections,
    ...(onConnectionsDropped ? { onConnectionsDropped } : {}),
    ...(tls ? { tls } : {}),
    fallback(req, res) {
      const path = (req.url ?? '/').split('?', 1)[0]!;
      if (path === '/healthz') {
        healthz(probe, req, res);
        return;
      }
      const handler = routes.find(path);
      if (handler === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
        return;
      }
      if (auth !== undefined && !authorizeHttp(auth, req, res)) return;
      Promise.resolve()
        .then(() => handler(req, res))
        .catch((err: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(`internal error: ${err instanceof Error ? err.message : String(err)}\n`);
        });
    },
  });
}

function healthz(probe: HealthProbe, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res
      .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
      .end('method not allowed\n');
    return;
  }
  probe.serving().then((up) => {
    res
      .writeHead(up ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
      .end(up ? 'ok' : 'database not answering');
  });
}
