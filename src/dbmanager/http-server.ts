import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { ConnectRouter, Interceptor } from '@connectrpc/connect';
import { IDEMPOTENCY_KEY_HEADER } from '../api/idempotency-key.js';
import { PUSH_ORIGIN_HEADER } from '../api/push-origin.js';
import { DBManager } from '../gen/api/v1/beta1/api_pb.js';
import { bearerOf, type DbManagerAuth } from './auth.js';
import { authorizeHttp } from './auth-http.js';
import { connectHandler } from './connect-handler.js';
import { capConnections } from './connection-cap.js';
import { toConnectError } from './errors.js';
import type { HealthProbe } from './health.js';
import type { HttpRoutes } from './http-routes.js';
import type { DbManagerLimits } from './limits.js';
import type { DbManagerService } from './service.js';

/**
 * An HTTP/1.1 server with the DBManager service as Connect-protocol JSON (and binary) unary calls
 * (`POST /api.v1.beta1.DBManager/ReportObservationLog`, `Content-Type: application/json`, an
 * optional `katib-idempotency-key` header as on the gRPC port),
 * `GET /healthz` (200 "ok" while the database answers, 503 otherwise) and `routes`. A request body
 * over `maxMessageBytes` is answered `resource_exhausted` (HTTP 429) unread; past
 * `maxConnections` open connections, new ones are closed as soon as they are accepted.
 * With `auth`, the DBManager calls need tokens as on the gRPC port and `routes` the operator token
 * (see authorizeHttp); /healthz stays open. With `tls`, HTTPS only.
 */
export function createHttpServer(
  service: DbManagerService,
  probe: HealthProbe,
  routes: HttpRoutes,
  limits: Pick<DbManagerLimits, 'maxMessageBytes' | 'maxConnections'>,
  onConnectionsDropped?: (dropped: number, maxConnections: number) => void,
  auth?: DbManagerAuth,
  tls?: { cert: Buffer; key: Buffer },
): Server {
  const { maxMessageBytes } = limits;
  const asConnectError: Interceptor = (next) => async (req) => {
    try {
      return await next(req);
    } catch (err) {
      throw toConnectError(err);
    }
  };
  const authorize: Interceptor = (next) => async (req) => {
    if (auth === undefined) return next(req);
    const method = req.method.name;
    const bearer = auth.requireToken(bearerOf(req.header.get('authorization')), method);
    if (method === 'ReportObservationLog') {
      const trialName = req.stream ? '' : String((req.message as { trialName?: unknown }).trialName ?? '');
      auth.requireTrial(bearer, trialName);
    } else auth.requireOperator(bearer, method);
    return next(req);
  };
  const rpc = connectHandler({
    routes(router: ConnectRouter) {
      router.service(DBManager, {
        async reportObservationLog(req, context) {
          const { requestHeader: h } = context;
          await service.reportObservationLog(req, h.get(IDEMPOTENCY_KEY_HEADER), h.get(PUSH_ORIGIN_HEADER));
          return {};
        },
        getObservationLog: (req) => service.getObservationLog(req),
        async deleteObservationLog(req) {
          await service.deleteObservationLog(req);
          return {};
        },
      });
    },
    interceptors: [asConnectError, authorize],
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
      if (auth !== undefined && !authorizeHttp(auth, req, res)) return;
      Promise.resolve()
        .then(() => handler(req, res))
        .catch((err: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(`internal error: ${err instanceof Error ? err.message : String(err)}\n`);
        });
    },
  });
  // An https.Server serves requests exactly as an http.Server does (listen, close, idle connections).
  const server = tls ? (createHttpsServer(tls, rpc) as unknown as Server) : createServer(rpc);
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
