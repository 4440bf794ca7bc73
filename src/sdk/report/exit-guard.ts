import type { ReportMetricsError } from './errors.js';

/** What the exit guard needs from a reporter. */
export interface ExitGuarded {
  pendingPoints(): number;
  /** The failure nobody has observed yet, handed out once. */
  takeFailure(): ReportMetricsError | undefined;
  flush(): Promise<void>;
}

/**
 * Makes sure a reporter's points and failures are not lost silently when the process ends:
 * - on `beforeExit` (the event loop ran dry) with points still pending, flushes them, which
 *   keeps the process alive until they are stored or their timeout passes;
 * - a failure that no report()/flush() has thrown is printed to stderr and sets exit code 1;
 * - on `exit` (e.g. `process.exit()` called with points still pending), nothing can be sent
 *   any more: says how many points were lost and sets exit code 1.
 * Returns the function that removes the guard (close() calls it).
 */
export function guardExit(reporter: ExitGuarded): () => void {
  const onBeforeExit = () => {
    if (reporter.pendingPoints() > 0) {
      reporter.flush().catch(fail);
      return;
    }
    const failure = reporter.takeFailure();
    if (failure) fail(failure);
  };
  const onExit = () => {
    const pending = reporter.pendingPoints();
    if (pending > 0) {
      fail(
        new Error(
          `${pending} metric point${pending === 1 ? ' was' : 's were'} never sent: the process exited before reporter.flush() finished`,
        ),
      );
    }
    const failure = reporter.takeFailure();
    if (failure) fail(failure);
  };
  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  return () => {
    process.off('beforeExit', onBeforeExit);
    process.off('exit', onExit);
  };
}

function fail(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`katib-ts reportMetrics: ${message}\n`);
  if (!process.exitCode) process.exitCode = 1;
}
