import pino from 'pino';
import { startEarlyStoppingService } from '../services/index.js';
import { type CliContext, CliError } from './context.js';
import { exitCodeOf } from './run-suggestion.js';
import { shutdownSignal } from './signals.js';

export interface EarlyStoppingFlags {
  /** Normalised. */
  listen: string;
  token?: string;
}

/** Serves Katib's EarlyStopping service (every early stopping algorithm) until SIGTERM/SIGINT. */
export async function runEarlyStopping(flags: EarlyStoppingFlags, context: CliContext): Promise<void> {
  const { env } = context;
  const { listen, token } = flags;
  const logger = pino(
    { name: 'katib-earlystopping', level: env.KATIB_LOG_LEVEL || 'info' },
    pino.destination(1),
  );
  const signal = shutdownSignal((again) => {
    logger.warn({ signal: again }, 'second signal: exiting without waiting for the drain');
    process.exit(1);
  });
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
    throw new CliError(err instanceof Error ? err.message : String(err), exitCodeOf(err));
  }
}
