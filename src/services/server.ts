import type { ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import pino, { type Logger } from 'pino';
import { invalidArgument, KatibError } from '../api/errors.js';
// The DB manager's gRPC server and error mapping: the same server, drain and codes on every gRPC port.
import { toGrpcStatus } from '../dbmanager/errors.js';
import {
  formatHostPort,
  grpcServiceDefinition,
  HEALTH_GRPC,
  HOST_PORT_RULE,
  tryParseHostPort,
  UnaryGrpcServer,
} from '../dbmanager/index.js';
import { EarlyStopping, type SetTrialStatusRequest, Suggestion } from '../gen/api/v1/beta1/api_pb.js';
import { DbManagerReader } from './db-manager-reader.js';
import { EarlyStoppingService, type LogReader } from './early-stopping-service.js';
import { alwaysServingHealth } from './health.js';
import { SuggestionService } from './suggestion-service.js';

/** Katib's ports: suggestion services on 6789, early stopping on 6788 (here on loopback by default). */
export const DEFAULT_SUGGESTION_LISTEN = '127.0.0.1:6789';
export const DEFAULT_EARLY_STOPPING_LISTEN = '127.0.0.1:6788';
/**
 * A GetSuggestionsRequest carries the whole trial history (a few hundred bytes per trial), so
 * the usual 4 MiB default would refuse an experiment of ~10,000 trials.
 */
export const DEFAULT_SERVICE_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface StartServiceOptions {
  /** gRPC `HOST:PORT`, port 0 for a free one. Defaults: DEFAULT_SUGGESTION_LISTEN / DEFAULT_EARLY_STOPPING_LISTEN. */
  listen?: string;
  logger?: Logger;
  /** Largest request accepted. Default DEFAULT_SERVICE_MAX_MESSAGE_BYTES. */
  maxMessageBytes?: number;
  /** How long `close` lets in-flight calls finish before cutting them. Default 10 s. */
  drainTimeoutMs?: number;
}

export interface RunningService {
  /** `host:port` the gRPC server listens on. */
  address: string;
  /** Stops accepting, drains in-flight calls (bounded by drainTimeoutMs), releases what it holds. */
  close(): Promise<void>;
}

/**
 * Serves `api.v1.beta1.Suggestion` for one algorithm (and gRPC health) on cleartext HTTP/2, as
 * Katib's controller dials a suggestion service. Logs one line when ready. Rejects with a
 * KatibError: `invalid_argument` for an unknown algorithm (listing the known ones) or a bad
 * address, `unavailable` when the port cannot be bound.
 */
export async function startSuggestionService(
  options: StartServiceOptions & { algorithm: string },
): Promise<RunningService> {
  const service = new SuggestionService(options.algorithm);
  const logger = options.logger ?? pino({ level: 'silent' });
  const server = newServer(options);
  server.addService(grpcServiceDefinition(Suggestion), {
    getSuggestions: unary(logger, 'GetSuggestions', service.getSuggestions.bind(service)),
    validateAlgorithmSettings: unary(
      logger,
      'ValidateAlgorithmSettings',
      service.validateAlgorithmSettings.bind(service),
    ),
  });
  server.addService(HEALTH_GRPC, alwaysServingHealth([Suggestion.typeName, 'manager.v1beta1.Suggestion']));
  return serve(server, options.listen ?? DEFAULT_SUGGESTION_LISTEN, options, logger, 'suggestion service', {
    algorithm: options.algorithm,
  });
}

/**
 * Serves `api.v1.beta1.EarlyStopping` (every registered early stopping algorithm) and gRPC
 * health. Rules read the finished trials' logs from the request's db_manager_address, through
 * `readLogs` (default: a gRPC client per DB manager address, closed with the service).
 */
export async function startEarlyStoppingService(
  options: StartServiceOptions & {
    readLogs?: LogReader;
    /** The DB managers' operator token, for reading logs from one that runs with auth. */
    dbManagerToken?: string;
  } = {},
): Promise<RunningService> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const reader =
    options.readLogs === undefined ? new DbManagerReader(undefined, options.dbManagerToken) : undefined;
  const service = new EarlyStoppingService(
    options.readLogs ?? ((address, query) => reader!.read(address, query)),
  );
  const server = newServer(options);
  server.addService(grpcServiceDefinition(EarlyStopping), {
    getEarlyStoppingRules: unary(
      logger,
      'GetEarlyStoppingRules',
      service.getEarlyStoppingRules.bind(service),
    ),
    setTrialStatus: unary(logger, 'SetTrialStatus', (req: SetTrialStatusRequest) => {
      const reply = service.setTrialStatus(req);
      logger.info(
        { trialName: req.trialName },
        'SetTrialStatus: trial reported early stopped by its collector',
      );
      return reply;
    }),
    validateEarlyStoppingSettings: unary(
      logger,
      'ValidateEarlyStoppingSettings',
      service.validateEarlyStoppingSettings.bind(service),
    ),
  });
  server.addService(
    HEALTH_GRPC,
    alwaysServingHealth([EarlyStopping.typeName, 'manager.v1beta1.EarlyStopping']),
  );
  const running = await serve(
    server,
    options.listen ?? DEFAULT_EARLY_STOPPING_LISTEN,
    options,
    logger,
    'early stopping service',
    {},
  ).catch((err: unknown) => {
    reader?.close();
    throw err;
  });
  return {
    address: running.address,
    async close() {
      await running.close();
      reader?.close();
    },
  };
}

function newServer(options: StartServiceOptions): UnaryGrpcServer {
  return new UnaryGrpcServer({
    maxReceiveMessageBytes: options.maxMessageBytes ?? DEFAULT_SERVICE_MAX_MESSAGE_BYTES,
  });
}

async function serve(
  server: UnaryGrpcServer,
  listen: string,
  options: StartServiceOptions,
  logger: Logger,
  what: string,
  fields: Record<string, unknown>,
): Promise<RunningService> {
  const at = tryParseHostPort(listen);
  if (at === undefined) throw invalidArgument('listen', listen, HOST_PORT_RULE);
  const port = await server.listen(at.host, at.port);
  const address = formatHostPort({ host: at.host, port });
  logger.info({ address, ...fields }, `${what} ready`);
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  let closing: Promise<void> | undefined;
  return {
    address,
    close() {
      closing ??= (async () => {
        logger.info({ drainTimeoutMs }, `${what} draining`);
        await server.close(drainTimeoutMs);
        logger.info(`${what} stopped`);
      })();
      return closing;
    },
  };
}

/** A grpc-js unary handler around a service method: replies, or answers the error's status. */
function unary<Req, Res>(
  logger: Logger,
  method: string,
  handle: (request: Req) => Res | Promise<Res>,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => Promise<void> {
  return async (call, callback) => {
    let reply: Res;
    try {
      reply = await handle(call.request);
    } catch (err) {
      const katib = KatibError.from(err);
      if (katib.code === 'internal') logger.error({ err, method }, `${method} failed`);
      else logger.info({ code: katib.code, message: katib.message, method }, `${method} refused`);
      callback(toGrpcStatus(katib));
      return;
    }
    callback(null, reply);
  };
}
