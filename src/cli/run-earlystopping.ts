import { startEarlyStoppingService } from '../algorithm-services/index.js';
import type { CliContext } from './context.js';
import { commandError, drainSignal, serviceLogger } from './service-process.js';

export interface EarlyStoppingFlags {
  /** Normalised. */
  listen: string;
  token?: string;
}

/** Serves Katib's EarlyStopping service (every early stopping algorithm) until SIGTERM/SIGINT. */
export async function runEarlyStopping(flags: EarlyStoppingFlags, context: CliContext): Promise<void> {
  const { env } = context;
  const { listen, token } = flags;
  const logger = serviceLogger('katib-earlystopping', env);
  const signal = drainSignal(logger);
  try {
    const service = await startEarlyStoppingService({
      listen,
      logger,
      ...(token ? { dbManagerToken: token } : {}),
    });
    const received = await signal;
    logger.info({ signal: received }, 'shutting down');
    await service.close();
  } catch (err) {
    throw commandError(err);
  }
}
