import { type LocalRunnerSettings, LocalTrial } from './local-trial.js';
import { SpawnHost } from './spawn-host.js';
import type { TrialRunner, TrialRunSpec } from './trial-runner.js';

export type LocalRunnerOptions = Partial<LocalRunnerSettings>;

/**
 * Runs each trial as a local process (POSIX: Linux, macOS) in its own process group, so that
 * ending a trial ends everything it started.
 *
 * - Environment: the parent's whole environment except its KATIB_* variables, with the spec's env
 *   over it; with `cleanEnv` (or the spec's `cleanEnv`), only the parent's PATH, HOME, USER,
 *   LOGNAME, SHELL, LANG, LANGUAGE, LC_*, TZ and TMPDIR (see INHERITED_ENV; `inheritEnv` replaces
 *   the list). stdin is /dev/null.
 * - Working directory: created if missing; stdout.log and stderr.log are written there (each at
 *   most `logFileMaxBytes` on disk, newest output kept; see BoundedLogFile).
 * - Output: read line by line as it arrives (CRLF handled, a line cut at `maxLineBytes`),
 *   delivered to onLine listeners, and its last `tailBytes` kept for logsTail().
 * - Ending: at the timeout (`timeoutSeconds`), on kill(), or when the start signal aborts, the
 *   group gets SIGTERM, then SIGKILL after `killGraceMs` if the main process still runs. When the
 *   main process exits (by itself or not), what is left of its group is killed (SIGKILL), as
 *   when a container's main process ends. A process that left the group (setsid, a daemon)
 *   escapes this; its pipes are given up once they have been quiet for `stdioCloseMs`.
 * - Starting: from a small helper process the runner starts on first use (SpawnHost), which
 *   relays the pipes and events, so fork+exec never blocks this event loop; it ends with this
 *   process, or after 2 s with nothing running.
 * - wait() resolves after the process has exited, its group is gone, and every line has been
 *   delivered: with the exit code or signal, `killedBy` when the runner ended it, or
 *   `startError` (bad command, command not found or not executable, working directory or log
 *   files not creatable) when nothing ran.
 */
export class LocalTrialRunner implements TrialRunner {
  private readonly settings: LocalRunnerSettings;
  // fork+exec off the event loop, from a small process: see SpawnHost.
  private readonly spawner = new SpawnHost('process');

  constructor(options: LocalRunnerOptions = {}) {
    this.settings = {
      killGraceMs: options.killGraceMs ?? 10_000,
      tailBytes: options.tailBytes ?? 1024 * 1024,
      maxLineBytes: options.maxLineBytes ?? 64 * 1024,
      logFiles: options.logFiles ?? true,
      logFileMaxBytes: options.logFileMaxBytes ?? 64 * 1024 * 1024,
      ...(options.cleanEnv !== undefined ? { cleanEnv: options.cleanEnv } : {}),
      ...(options.inheritEnv !== undefined ? { inheritEnv: options.inheritEnv } : {}),
      stdioCloseMs: options.stdioCloseMs ?? 2000,
      onListenerError:
        options.onListenerError ??
        ((err) =>
          process.emitWarning(
            `trial output listener failed: ${err instanceof Error ? err.message : String(err)}`,
          )),
    };
  }

  start(spec: TrialRunSpec, options: { signal?: AbortSignal } = {}): LocalTrial {
    return new LocalTrial(spec, this.settings, options.signal, this.spawner);
  }
}
