/**
 * The trial's Kubernetes resource, for runners of kind `kubernetes` (see TrialRunner.kind): the
 * trial template as Katib's trial controller creates it.
 */
export interface TrialResourceSpec {
  /** The substituted trialSpec (metadata.name and metadata.namespace are the trial's). */
  object: Record<string, unknown>;
  /** The container that runs the training code: its log is the trial's output, its exit code the trial's. */
  primaryContainerName?: string;
  /** Labels that pick the primary pod(s) of a resource with several pods (Kubeflow training jobs). */
  primaryPodLabels?: Record<string, string>;
  /** Katib's GJSON conditions over the resource; default the batch/v1 Job ones. */
  successCondition?: string;
  failureCondition?: string;
  /** Katib's retain: keep the resource once the trial has ended. */
  retain?: boolean;
  /** Annotations for every pod template of the resource, where the template sets none of that name. */
  podAnnotations?: Record<string, string>;
}

/** What to run for one trial, already substituted and injected. */
export interface TrialRunSpec {
  trialName: string;
  experimentName: string;
  /** argv: command[0] is the program. */
  command: string[];
  env: Record<string, string>;
  /**
   * Local runner: start from a clean environment (INHERITED_ENV) rather than the parent's whole
   * environment (see clean-env.ts); default the runner's own setting (false unless set).
   */
  cleanEnv?: boolean;
  /** Working directory; the runner creates it if missing. */
  workingDir: string;
  /**
   * Where the runner writes the trial's stdout.log and stderr.log; default `workingDir`. Set it
   * when trials share a working directory, so their logs stay apart. Created if missing.
   */
  logDir?: string;
  /** Katib's activeDeadlineSeconds: kill the trial after this many seconds. */
  timeoutSeconds?: number;
  /**
   * Set for runners of kind `kubernetes`, which create this resource instead of running
   * `command` (then unused); `env` is added to its primary container.
   */
  resource?: TrialResourceSpec;
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
  /** What the runner knows of why the trial failed beyond its exit code (e.g. Kubernetes' reason: OOMKilled). */
  detail?: string;
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
  /**
   * Stops reading the trial's output until the returned function has been called (holds may
   * overlap; reading resumes when all are released): a collector that cannot store points as fast
   * as they are printed slows the trial down this way, the trial blocking on its full pipe. Lines
   * already read are still delivered; once the process has exited holds no longer apply (the
   * rest is read). Optional: a runner without it always reads.
   */
  holdOutput?(): () => void;
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
  /**
   * What the runner runs: `local` (the default when unset) a process from the spec's command,
   * env and workingDir; `kubernetes` the spec's `resource` on a cluster.
   */
  readonly kind?: 'local' | 'kubernetes';
  /** Where a cluster runner puts trials whose experiment names no namespace. */
  readonly namespace?: string;
  start(spec: TrialRunSpec, options?: { signal?: AbortSignal }): RunningTrial;
  /**
   * Removes what the runner keeps for an experiment that is being deleted, once its trials have
   * ended: a cluster runner deletes what the experiment left there, but not the trial resources
   * it retains. Optional: the local runner keeps nothing.
   */
  deleteExperiment?(experimentName: string, options: { retain: boolean }): Promise<void>;
  /**
   * A cluster runner: ConfigMap `name` in `namespace` (a trialTemplate.configMap's template),
   * undefined when there is none. Optional: the local runner reads no cluster.
   */
  readConfigMap?(
    name: string,
    namespace: string,
  ): Promise<{ name: string; namespace: string; data: Record<string, string>; source: string } | undefined>;
}
