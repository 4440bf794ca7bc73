import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { DescService } from '@bufbuild/protobuf';
import type { ConnectRouterOptions, Interceptor, ServiceImpl } from '@connectrpc/connect';
import { connectHandler } from './connect-handler.js';
import { capConnections } from './connection-cap.js';
import { toConnectError } from './errors.js';
import type { RpcService } from './grpc-service-handlers.js';

export interface ConnectServerOptions {
  /** Served as Connect-protocol unary calls, JSON or binary (`POST /package.Service/Method`). */
  services: readonly RpcService[];
  /** A request body over this is answered `resource_exhausted` (HTTP 429) unread. */
  maxMessageBytes: number;
  /** Past this many open connections, new ones are closed as soon as they are accepted. */
  maxConnections: number;
  onConnectionsDropped?: (dropped: number, maxConnections: number) => void;
  /** HTTPS only, with this certificate and key. */
  tls?: { cert: Buffer; key: Buffer };
  /** Requests for any path no service serves. */
  fallback(req: IncomingMessage, res: ServerResponse): void;
}

// Connect answers any error that is not a ConnectError `internal`: a KatibError keeps its code.
const asConnectError: Interceptor = (next) => async (req) => {
  try {
    return await next(req);
  } catch (err) {
    throw toConnectError(err);
  }
};

/**
 * The HTTP port's server (HTTP/1.1, browsers and curl): `services` through Connect, each with its
 * own interceptors inside the error mapping, everything else to `fallback`. Not yet listening
 * (see listenHttp).
 */
export function createConnectServer(options: ConnectServerOptions): Server {
  const rpc = connectHandler({
    routes(router) {
      for (const { service, impl, interceptors = [] } of options.services) {
        // Per-service options replace the router's protocol choice: Connect only, again.
        const serviceOptions: ConnectRouterOptions = {
          grpc: false,
          grpcWeb: false,
          interceptors: [asConnectError, ...interceptors],
        };
        router.service(service, impl as ServiceImpl<DescService>, serviceOptions);
      }
    },
    readMaxBytes: options.maxMessageBytes,
    fallback: options.fallback,
  });
  const { tls } = options;
  // An https.Server serves requests exactly as an http.Server does (listen, close, idle connections).
  const server = tls ? (createHttpsServer(tls, rpc) as unknown as Server) : createServer(rpc);
  capConnections(server, options.maxConnections, options.onConnectionsDropped);
  return server;
}
