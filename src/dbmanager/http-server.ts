import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ConnectRouter, Interceptor } from '@connectrpc/connect';
import { DBManager } from '../gen/api/v1/beta1/api_pb.js';
import { connectHandler } from './connect-handler.js';
import { capConnections } from './connection-cap.js';
import { toConnectError } from './errors.js';
import type { HealthProbe } from './health.js';
import type { HttpRoutes } from './http-routes.js';
import type { DbManagerLimits } from './limits.js';
import type { DbManagerService } from './service.js';

/**
 * An HTTP/1.1 server with the DBManager service as Connect-protocol JSON (and binary) unary calls
 * (`POST /api.v1.beta1.DBManager/ReportObservationLog`, `Content-Type: application/json`),
 * `GET /healthz` (200 "ok" while the database answers, 503 otherwise) and `routes`. A request body
 * over `maxMessageBytes` is answered `resource_exhausted` (HTTP 429) unread; past
 * `maxConnections` open connections, new ones are closed as soon as they are accepted.
 */
export function createHttpServer(
  service: DbManagerService,
  probe: HealthProbe,
  routes: HttpRoutes,
  limits: Pick<DbManagerLimits, 'maxMessageBytes' | 'maxConnections'>,
  onConnectionsDropped?: (dropped: number, maxConnections: number) => void,
): Server {
  const { maxMessageBytes } = limits;
  const asConnectError: Interceptor = (next) => async (req) => {
    try {
      return await next(req);
    } catch (err) {
      throw toConnectError(err);
    }
  };
  const rpc = connectHandler({
    routes(router: ConnectRouter) {
      router.service(DBManager, {
        async reportObservationLog(req) {
          await service.reportObservationLog(req);
          return {};
        },
        getObservationLog: (req) => service.getObservationLog(req),
        async deleteObservationLog(req) {
          await service.deleteObservationLog(req);
          return {};
        },
      });
    },
    interceptors: [asConnectError],
    readMaxBytes: maxMessageBytes,
    fallback(nodeReq, nodeRes) {
      // Served by http.createServer below: always HTTP/1.1 objects.
      const req = nodeReq as IncomingMessage;
      const res = nodeRes as ServerResponse;
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
      Promise.resolve()
        .then(() => handler(req, res))
        .catch((err: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(`internal error: ${err instanceof Error ? err.message : String(err)}\n`);
        });
    },
  });
  const server = createServer(rpc);
  capConnections(server, limits.maxConnections, onConnectionsDropped);
  return server;
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
