import type { Server as HttpServer } from 'node:http';
import pino, { type Logger } from 'pino';
import { invalidArgument } from '../api/errors.js';
import {
  accessInterceptor,
  type DbManagerAuth,
  formatHostPort,
  HOST_PORT_RULE,
  type HostPort,
  type HttpHandler,
  HttpRoutes,
  listenHttp,
  type RpcService,
  shutdownHttp,
  type TlsMaterial,
  tryParseHostPort,
} from '../rpc/index.js';
import type { ObservationStore } from '../store/observation-store.js';
import { createGrpcPort } from './grpc-port.js';
import { HealthProbe } from './health.js';
import { createHttpPort } from './http-port.js';
import { KeyPruner } from './key-pruner.js';
import { type DbManagerLimits, resolveLimits } from './limits.js';
import { DbManagerService } from './service.js';

/** What the DB manager needs of an open database (the store's `Database` fits). */
export interface DbManagerDatabase {
  observations: ObservationStore;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** The database URL with any password redacted, for logs. */
  displayUrl: string;
  /** `sqlite` writes synchronously, one at a time; other dialects get several writes in flight. */
  dialect?: string;
}

export interface StartDbManagerOptions {
  /** Not closed by the DB manager: whoever opened it closes it. */
  db: DbManagerDatabase;
  /** gRPC `HOST:PORT`, port 0 for a free one. Default `127.0.0.1:6789`. */
  grpcListen?: string;
  /** HTTP `HOST:PORT` (Connect JSON, /healthz, mounted handlers); null for none. Default `127.0.0.1:8080`. */
  httpListen?: string | null;
  logger?: Logger;
  /** Largest request accepted, on both ports. Default 4 MiB (gRPC's usual default). Same as `limits.maxMessageBytes`, which wins. */
  maxMessageBytes?: number;
  /**
   * What a request may carry and how many connections and calls are served at once; each one
   * left out keeps its default (DEFAULT_LIMITS, docs/limits.md). Checked at start: a value out of
   * its range (LIMIT_RANGES) rejects with `invalid_argument` naming it.
   */
  limits?: Partial<DbManagerLimits>;
  /**
   * Coalesce reports that arrive while the database is busy into one transaction. Default true:
   * measured here, it cuts the CPU per concurrent small report 2-8x on every dialect, and costs
   * nothing for batches.
   */
  groupCommit?: boolean;
  /** Writes in flight at once under group commit. Default 1 on SQLite, 8 on MySQL/PostgreSQL (their pools hold 10). */
  maxConcurrentWrites?: number;
  /** How long `close` lets in-flight calls finish before cutting them. Default 10 s. */
  drainTimeoutMs?: number;
  /** Handlers to mount on the HTTP port, by path prefix (more with `httpRoutes.mount`). */
  httpHandlers?: Record<string, HttpHandler>;
  /**
   * Authentication (docs/security.md): pushes need the trial's token, everything else but health
   * the operator token. Default none: every call is served, as Katib's DB manager does.
   */
  auth?: DbManagerAuth;
  /** Serve both ports over TLS with this certificate and key (see readTlsMaterial). Default cleartext. */
  tls?: TlsMaterial;
}

export interface RunningDbManager {
  /** The service behind both ports, for in-process writes and report listeners. */
  service: DbManagerService;
  /** `host:port` the gRPC server listens on. */
  grpcAddress: string;
  /** `host:port` the HTTP server listens on, or null without one. */
  httpAddress: string | null;
  /** Mount more handlers on the HTTP port; null without one. */
  httpRoutes: HttpRoutes | null;
  /** The authentication in force (trial tokens come from it), or undefined when it is off. */
  auth: DbManagerAuth | undefined;
  /** True when both ports serve TLS. */
  tls: boolean;
  /**
   * Serves one more service on the gRPC port (`katib server` adds its management API there, so
   * users need one address): an RpcService (protobuf-es descriptor, Connect ServiceImpl, its
   * interceptors), as every service is written (docs/architecture-rpc.md). Unary methods only,
   * as all of Katib's. With auth on, every one of its calls needs the operator token.
   * Throws, adding nothing, if one of its methods is served already.
   */
  addGrpcService(rpc: RpcService): void;
  /** Stops accepting, drains in-flight calls (bounded by drainTimeoutMs), leaves the database open. */
  close(): Promise<void>;
}

/**
 * Starts the DB manager: `api.v1.beta1.DBManager` and gRPC health on cleartext HTTP/2, and the same
 * service as Connect JSON over HTTP/1.1 with `/healthz`; over TLS and with auth when asked.
 * Logs one line when ready. Rejects with a KatibError (`invalid_argument` for a bad address or
 * limit, `unavailable` when a port cannot be bound).
 */
export async function startDbManager(options: StartDbManagerOptions): Promise<RunningDbManager> {
  const grpcAt = parseListen('grpcListen', options.grpcListen ?? '127.0.0.1:6789');
  const httpListen = options.httpListen === undefined ? '127.0.0.1:8080' : options.httpListen;
  const httpAt = httpListen === null ? null : parseListen('httpListen', httpListen);
  const logger = options.logger ?? pino({ level: 'silent' });
  const limits = resolveLimits({
    ...(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {}),
    ...options.limits,
  });
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  const { db } = options;

  const service = new DbManagerService({
    store: db.observations,
    groupCommit: options.groupCommit ?? true,
    maxConcurrentWrites:
      options.maxConcurrentWrites ?? (db.dialect === undefined || db.dialect === 'sqlite' ? 1 : 8),
    onStoreFault: (err, operation) => logger.warn({ err, operation }, 'observation store fault'),
    limits,
  });
  const dropped = (port: string) => (count: number, maxConnections: number) =>
    logger.warn({ port, refused: count, maxConnections }, 'connection limit reached: refusing connections');
  const pruner = new KeyPruner({
    store: db.observations,
    retentionSeconds: limits.idempotencyKeyRetentionSeconds,
    onPruned: (count) =>
      logger.info(
        { pruned: count, retentionSeconds: limits.idempotencyKeyRetentionSeconds },
        'idempotency keys pruned',
      ),
    onFault: (err) => logger.warn({ err }, 'pruning idempotency keys failed; will try again'),
  });
  const probe = new HealthProbe(db);
  const { auth, tls } = options;
  const grpcServer = createGrpcPort(service, probe, limits, dropped('grpc'), auth, tls);
  const grpcPort = await grpcServer.listen(grpcAt.host, grpcAt.port);
  const grpcAddress = formatHostPort({ host: grpcAt.host, port: grpcPort });

  let httpServer: HttpServer | null = null;
  let httpRoutes: HttpRoutes | null = null;
  let httpAddress: string | null = null;
  if (httpAt !== null) {
    httpRoutes = new HttpRoutes();
    for (const [prefix, handler] of Object.entries(options.httpHandlers ?? {}))
      httpRoutes.mount(prefix, handler);
    httpServer = createHttpPort(service, probe, httpRoutes, limits, dropped('http'), auth, tls);
    try {
      const port = await listenHttp(httpServer, httpAt.host, httpAt.port);
      httpAddress = formatHostPort({ host: httpAt.host, port });
    } catch (err) {
      await grpcServer.close(0);
      throw err;
    }
  }
  pruner.start();
  logger.info(
    {
      grpcAddress,
      httpAddress,
      database: db.displayUrl,
      auth: auth !== undefined,
      tls: tls !== undefined,
      limits,
    },
    'db manager ready',
  );

  let closing: Promise<void> | undefined;
  return {
    service,
    grpcAddress,
    httpAddress,
    httpRoutes,
    auth,
    tls: tls !== undefined,
    addGrpcService: (rpc) =>
      grpcServer.addService(
        auth ? { ...rpc, interceptors: [accessInterceptor(auth, {}), ...(rpc.interceptors ?? [])] } : rpc,
      ),
    close() {
      closing ??= (async () => {
        logger.info({ drainTimeoutMs }, 'db manager draining');
        await Promise.all([
          grpcServer.close(drainTimeoutMs),
          httpServer === null ? undefined : shutdownHttp(httpServer, drainTimeoutMs),
          pruner.stop(),
        ]);
        logger.info('db manager stopped');
      })();
      return closing;
    },
  };
}

function parseListen(field: string, text: string): HostPort {
  const at = tryParseHostPort(text);
  if (at === undefined) throw invalidArgument(field, text, HOST_PORT_RULE);
  return at;
}
