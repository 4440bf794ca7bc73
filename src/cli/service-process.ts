/** What the long-running service commands (db-manager, suggestion, earlystopping) share. */
import pino from 'pino';
import { KatibError } from '../api/errors.js';
import { type CliContext, CliError } from './context.js';
import { shutdownSignal } from './signals.js';

/** The service's JSON log on stdout, at KATIB_LOG_LEVEL (default info). */
export function serviceLogger(name: string, env: CliContext['env']): pino.Logger {
  return pino({ name, level: env.KATIB_LOG_LEVEL || 'info' }, pino.destination(1));
}

/** Resolves on SIGTERM/SIGINT, to drain; a second signal exits at once (code 1), saying so. */
export function drainSignal(logger: pino.Logger): Promise<NodeJS.Signals> {
  return shutdownSignal((again) => {
    logger.warn({ signal: again }, 'second signal: exiting without waiting for the drain');
    process.exit(1);
  });
}

/** A failure as the command's error: exit 2 for what the input got wrong, else 1. */
export function commandError(err: unknown, prefix = ''): CliError {
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof KatibError && err.code === 'invalid_argument' ? 2 : 1;
  return new CliError(`${prefix}${message}`, code);
}
