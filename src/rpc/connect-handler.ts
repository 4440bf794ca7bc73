import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type ConnectRouter,
  type ConnectRouterOptions,
  type ContextValues,
  createConnectRouter,
} from '@connectrpc/connect';
import {
  createAsyncIterable,
  readAllBytes,
  type UniversalServerResponse,
} from '@connectrpc/connect/protocol';
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from '@connectrpc/connect-node';

export interface ConnectHandlerOptions extends ConnectRouterOptions {
  routes(router: ConnectRouter): void;
  /** Requests for paths the router does not serve. */
  fallback(req: IncomingMessage, res: ServerResponse): void;
  /** Values the handlers and interceptors see in their context, per request (as connectNodeAdapter's). */
  contextValues?: (req: IncomingMessage) => ContextValues;
}

/**
 * What connectNodeAdapter does (Connect protocol only: the gRPC port serves gRPC), with three
 * corrections for bad input, which must never look like the server's fault:
 * - a binary (`application/proto`) body that does not parse is answered `invalid_argument`, as
 *   the same garbage in JSON is (Connect 2.1 answers `internal`, "parse binary: ...");
 * - a request Connect cannot even read (HTTP/1.0 without a Host header: "unable to determine
 *   request authority", thrown where connectNodeAdapter lets it escape and end the process) is
 *   answered `invalid_argument`;
 * - a reply sent before the request body was read to its end (a body over readMaxBytes) says
 *   `Connection: close`: Connect stops reading and destroys the request, so a client reusing the
 *   connection for its next call would see it reset.
 */
export function connectHandler(
  options: ConnectHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const router = createConnectRouter({
    acceptCompression: [compressionGzip, compressionBrotli],
    ...options,
    grpc: false,
    grpcWeb: false,
  });
  options.routes(router);
  const paths = new Map(router.handlers.map((handler) => [handler.requestPath, handler]));
  return (req, res) => {
    const handler = paths.get((req.url ?? '').split('?', 1)[0]!);
    if (handler === undefined) {
      options.fallback(req, res);
      return;
    }
    closeIfUnread(req, res);
    let request: ReturnType<typeof universalRequestFromNodeRequest>;
    try {
      request = universalRequestFromNodeRequest(req, res, undefined, options.contextValues?.(req));
    } catch (err) {
      // Thrown from the 'request' listener this would be an uncaught exception: the process ends.
      badRequest(res, err);
      return;
    }
    handler(request)
      .then(clientFaultNotInternal)
      .then((reply) => universalResponseToNodeResponse(reply, res))
      .catch(() => {
        // The client went away (or the connection failed) mid-reply: nothing left to tell it.
        res.destroy();
      });
  };
}

function badRequest(res: ServerResponse, err: unknown): void {
  const message = `request: ${err instanceof Error ? err.message : String(err)}`.replace(
    /^request: \[\w+\] /,
    'request: ',
  );
  const body = JSON.stringify({ code: 'invalid_argument', message });
  res
    .writeHead(400, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    })
    .end(body);
}

function closeIfUnread(req: IncomingMessage, res: ServerResponse): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
    if (!req.complete) res.setHeader('connection', 'close');
    return writeHead.apply(this, args);
  } as ServerResponse['writeHead'];
}

const PARSE_BINARY = '"code":"internal","message":"parse binary: ';

async function clientFaultNotInternal(reply: UniversalServerResponse): Promise<UniversalServerResponse> {
  if (reply.status !== 500 || reply.body === undefined) return reply;
  // A unary error body is one small JSON object.
  const bytes = await readAllBytes(reply.body, 64 * 1024);
  const text = new TextDecoder().decode(bytes);
  if (!text.includes(PARSE_BINARY)) return { ...reply, body: createAsyncIterable([bytes]) };
  const { message } = JSON.parse(text) as { message: string };
  const body = new TextEncoder().encode(
    JSON.stringify({
      code: 'invalid_argument',
      message: message.replace(/^parse binary: /, 'request: not a valid message: '),
    }),
  );
  const header = new Headers(reply.header);
  header.set('content-length', String(body.length));
  return { ...reply, status: 400, header, body: createAsyncIterable([body]) };
}
