import type { Experiment } from '../api/experiment.js';
import { redactUrl } from '../store/index.js';
import { CliError } from './context.js';

/** `katib run`'s exit code when the experiment ended Succeeded without one Succeeded trial. */
export const NO_TRIAL_SUCCEEDED_EXIT = 3;

/**
 * Why `katib run` ends non-zero, once the experiment has ended; undefined for exit 0.
 * - 1: the experiment Failed (more failed trials than maxFailedTrialCount);
 * - 3: it Succeeded by Katib's rules (maxTrialCount reached, the algorithm exhausted) but not one
 *   trial Succeeded (all Failed, MetricsUnavailable, EarlyStopped or Killed): there is no result,
 *   so `katib run exp.yaml && deploy` must not carry on. Katib itself reports such an experiment
 *   Succeeded when maxFailedTrialCount is unset, and so does the stored condition.
 */
export function runOutcome(final: Experiment): CliError | undefined {
  const name = final.metadata.name;
  const conditions = final.status?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Failed' && c.status === 'True'))
    return new CliError(`experiment ${name} failed: ${conditions.at(-1)?.message ?? ''}`, 1);
  const status = final.status;
  if (status !== undefined && (status.trialsSucceeded ?? 0) === 0) {
    const ended = status.trials ?? 0;
    return new CliError(
      `experiment ${name} ended without a successful trial (${ended} ${ended === 1 ? 'trial' : 'trials'}: ${status.trialsFailed ?? 0} failed, ${status.trialMetricsUnavailable ?? 0} metrics unavailable, ${status.trialsKilled ?? 0} killed, ${status.trialsEarlyStopped ?? 0} early stopped); the trials' messages and logs say why`,
      NO_TRIAL_SUCCEEDED_EXIT,
    );
  }
  return undefined;
}

/**
 * The error for `katib run` failing to start: a port that cannot be listened on (`--ui` on a taken
 * port) is said as such, anything else is the database's.
 */
export function startFailure(err: unknown, dbUrl: string): CliError {
  const message = err instanceof Error ? err.message : String(err);
  if (/^cannot listen for (?:HTTP|gRPC) on /.test(message)) {
    const taken = /EADDRINUSE/.test(message)
      ? ': the port is taken by another program; name a free one with --ui HOST:PORT, or give --ui alone for any free port'
      : '';
    const http = /^cannot listen for HTTP on (\S+):/.exec(message);
    return new CliError(
      http ? `cannot serve the dashboard on ${http[1]} (--ui)${taken || `: ${message}`}` : message,
      1,
    );
  }
  return new CliError(`cannot open database ${redactUrl(dbUrl)}: ${message}`, 1);
}
