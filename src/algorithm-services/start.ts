import type { ServiceImpl } from '@connectrpc/connect';
import pino, { type Logger } from 'pino';
import { invalidArgument } from '../api/errors.js';
import { EarlyStopping, Suggestion } from '../gen/api/v1/beta1/api_pb.js';
import {
  formatHostPort,
  HOST_PORT_RULE,
  healthService,
  logFailures,
  tryParseHostPort,
  UnaryGrpcServer,
} from '../rpc/index.js';
import { DbManagerReader } from './db-manager-reader.js';
import { EarlyStoppingService, type LogReader } from './early-stopping-service.js';
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
  server.addService({ service: Suggestion, impl: service, interceptors: [logFailures(logger)] });
  // Katib's readiness probes ask for manager.v1beta1.Suggestion, its older package name.
  server.addService(healthService([Suggestion.typeName, 'manager.v1beta1.Suggestion']));
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
  const impl: ServiceImpl<typeof EarlyStopping> = {
    getEarlyStoppingRules: (req) => service.getEarlyStoppingRules(req),
    setTrialStatus(req) {
      const reply = service.setTrialStatus(req);
      logger.info(
        { trialName: req.trialName },
        'SetTrialStatus: trial reported early stopped by its collector',
      );
      return reply;
    },
    validateEarlyStoppingSettings: (req) => service.validateEarlyStoppingSettings(req),
  };
  const server = newServer(options);
  server.addService({ service: EarlyStopping, impl, interceptors: [logFailures(logger)] });
  server.addService(healthService([EarlyStopping.typeName, 'manager.v1beta1.EarlyStopping']));
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
