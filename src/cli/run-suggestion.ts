import { startSuggestionService } from '../algorithm-services/index.js';
import { knownAlgorithms } from '../suggestion/index.js';
import { type CliContext, usageError } from './context.js';
import type { Setting } from './flags.js';
import { listenAddress } from './options.js';
import { commandError, drainSignal, serviceLogger } from './service-process.js';

export interface SuggestionFlags {
  algorithm?: Setting;
  /** Checked after --algorithm. */
  listen: Setting;
}

/**
 * Serves one algorithm as Katib's Suggestion service until SIGTERM/SIGINT: checks the settings
 * first (exit 2 naming the bad one, with the known algorithms), serves, then drains.
 */
export async function runSuggestion(flags: SuggestionFlags, context: CliContext): Promise<void> {
  const { env } = context;
  const { algorithm } = flags;
  const known = knownAlgorithms();
  if (algorithm === undefined || algorithm.value === '')
    throw usageError('--algorithm', '', `is required (known: ${known.join(', ')})`);
  if (!known.includes(algorithm.value)) {
    throw usageError(
      algorithm.source,
      algorithm.value,
      `is not a known algorithm (known: ${known.join(', ')})`,
    );
  }
  const listen = listenAddress(flags.listen);
  const logger = serviceLogger('katib-suggestion', env);
  const signal = drainSignal(logger);
  try {
    const service = await startSuggestionService({ algorithm: algorithm.value, listen, logger });
    const received = await signal;
    logger.info({ signal: received }, 'shutting down');
    await service.close();
  } catch (err) {
    throw commandError(err);
  }
}
