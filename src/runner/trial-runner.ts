/** What to run for one trial, already substituted and injected. */
export interface TrialRunSpec {
  trialName: string;
  experimentName: string;
  /** argv: command[0] is the program. */
  command: string[];
  env: Record<string, string>;
  /** Working directory; the runner creates it if missing. */
  workingDir: string;
  /**
   * Where the runner writes the trial's stdout.log and stderr.log; default `workingDir`. Set it
   * when trials share a working directory, so their logs stay apart. Created if missing.
   */
  logDir?: string;
  /** Katib's activeDeadlineSeconds: kill the trial after this many seconds. */
  timeoutSeconds?: number;
}

export interface TrialExit {
  /** Exit code, or null when the process ended by a signal. */
  exitCode: number | null;
  signal: string | null;
  /** Why the runner ended it, when it did: timeout, or kill() (early stop, shutdown, an aborted signal). */
  killedBy?: 'timeout' | 'kill';
  /** Set when the program could not start at all (e.g. command not found). */
  startError?: string;
  /** Set when the runner could not keep writing the trial's log files (the trial itself carried on). */
  logFileError?: string;
}

/**
 * Receives one line of output, without its line ending. `truncated` is true when the line was
 * longer than the runner's line cap and was cut to it.
 */
export type LineListener = (line: string, stream: 'stdout' | 'stderr', truncated?: boolean) => void;

export interface RunningTrial {
  /**
   * Lines the trial prints, as they come (stdout and stderr interleaved by arrival). Listeners
   * added before control returns to the event loop after `start` see every line; all lines are
   * delivered before wait() resolves. A listener must not throw (the runner catches and reports it).
   */
  readonly onLine: (listener: LineListener) => void;
  /** Resolves once the process (and its whole process group) has ended. Never rejects. */
  wait(): Promise<TrialExit>;
  /** Ends the trial and everything it started (SIGTERM to the group, SIGKILL after a grace period). */
  kill(): Promise<void>;
  /** The tail of the trial's output kept by the runner (bounded in size). */
  logsTail(): string;
  /**
   * The id a restarted controller can find the trial by (local runner: the process group id),
   * undefined before it started or when nothing ran.
   */
  pid?(): number | undefined;
}

/**
 * Runs trials. Contract: `start` never throws for a program that cannot run; it returns a
 * RunningTrial whose wait() reports `startError`. The runner kills the trial when `signal`
 * aborts, and when its timeout passes.
 */
export interface TrialRunner {
  start(spec: TrialRunSpec, options?: { signal?: AbortSignal }): RunningTrial;
}
