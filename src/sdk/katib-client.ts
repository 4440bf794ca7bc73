/**
 * KatibClient: Katib's Python SDK client, camelCased and promise-based. Embedded by default (the
 * database, DB manager, controllers and local trials in this process), or the client of a
 * `katib server` when given its address. Heavy parts load on first use, so importing `katib-ts`
 * stays cheap for trial code that only reports metrics.
 */
import { invalidArgument, KatibError } from '../api/errors.js';
import type {
  Condition,
  Experiment,
  ExperimentConditionType,
  OptimalTrial,
  Setting,
} from '../api/experiment.js';
import type { ObservationMetric } from '../api/observation.js';
import type { Trial } from '../api/trial.js';
import type {
  ExperimentBudget,
  KatibBackend,
  TrialLogs,
  TrialMetricLog,
  TrialMetricsQuery,
} from './backend.js';
import { callerUrl } from './objective/caller.js';
import type { SearchSpace } from './search.js';
import type { TuneOptions } from './tune-options.js';
import { checkKeys, record } from './tune-options.js';
import { checkWaitOptions, type WaitOptions, waitForCondition } from './wait.js';

export interface KatibClientOptions {
  /** Embedded: the database URL (sqlite:PATH, mysql://..., postgres://...). Default `sqlite:katib.db`. */
  db?: string;
  /** Embedded: trial T of experiment E runs in `<workDir>/E/T`. Default `.katib`. */
  workDir?: string;
  /**
   * Embedded: resume the database's unfinished experiments when the client starts. Default false
   * (another process may be running them).
   */
  resume?: boolean;
  /**
   * A `katib server`'s gRPC address (`host:port`): the client talks to it instead. `https://host:port`
   * for a server with TLS on (docs/security.md).
   */
  address?: string;
  /** With `address`: seconds each call may take. Default 60. */
  timeout?: number;
  /**
   * With `address`: the operator token of a server with authentication on, sent as
   * `authorization: Bearer`. Default env KATIB_OPERATOR_TOKEN; none: no metadata.
   */
  token?: string;
  /**
   * With an `https://` address: the PEM file of the CA that signed the server's certificate.
   * Default env KATIB_DB_MANAGER_CA, else the system's CAs.
   */
  caFile?: string;
  /**
   * Where trials run. Embedded: `local` (default) runs them as processes here; `kubernetes` as
   * their Kubernetes resources (batch/v1 Jobs) on the cluster of KUBECONFIG (or the pod's service
   * account), see docs/kubernetes.md. With `address`: the runner of that server (`katib server
   * --runner`), so that experiments are checked here by the rules it applies.
   */
  runner?: 'local' | 'kubernetes';
  /** Embedded, kubernetes runner: the namespace trials run in. */
  namespace?: string;
}

/** What getSuccessTrialDetails returns per Succeeded trial. */
export interface SuccessTrialDetails {
  name: string;
  parameterAssignments: Setting[];
  metrics: ObservationMetric[];
}

const CLIENT_OPTIONS = [
  'db',
  'workDir',
  'resume',
  'address',
  'timeout',
  'runner',
  'namespace',
  'token',
  'caFile',
];

export class KatibClient {
  readonly #options: KatibClientOptions;
  #backend: Promise<KatibBackend> | undefined;
  #closed = false;

  constructor(options: KatibClientOptions = {}) {
    const o = record(options, 'KatibClient', 'takes an options object');
    checkKeys(o, CLIENT_OPTIONS, '');
    if (
      o.address !== undefined &&
      (o.db !== undefined || o.workDir !== undefined || o.resume !== undefined || o.namespace !== undefined)
    )
      throw invalidArgument(
        'address',
        o.address,
        'cannot be combined with db, workDir, resume or namespace (the server has its own)',
      );
    if (o.runner !== undefined && o.runner !== 'local' && o.runner !== 'kubernetes')
      throw invalidArgument('runner', o.runner, 'must be "local" or "kubernetes"');
    if (o.namespace !== undefined && (typeof o.namespace !== 'string' || o.namespace === ''))
      throw invalidArgument('namespace', o.namespace, 'must be a non-empty string');
    if (o.namespace !== undefined && o.runner !== 'kubernetes')
      throw invalidArgument('namespace', o.namespace, 'applies to runner "kubernetes" only');
    for (const key of ['token', 'caFile'] as const)
      if (o[key] !== undefined && o.address === undefined)
        throw invalidArgument(key, '(set)', 'applies with address only (a katib server)');
    for (const key of ['db', 'workDir', 'address', 'token', 'caFile'] as const)
      if (o[key] !== undefined && (typeof o[key] !== 'string' || o[key] === ''))
        throw invalidArgument(key, o[key], 'must be a non-empty string');
    if (o.resume !== undefined && typeof o.resume !== 'boolean')
      throw invalidArgument('resume', o.resume, 'must be true or false');
    if (
      o.timeout !== undefined &&
      (typeof o.timeout !== 'number' || !(o.timeout > 0) || !Number.isFinite(o.timeout))
    )
      throw invalidArgument('timeout', o.timeout, 'must be a positive number of seconds');
    this.#options = { ...options };
  }

  /**
   * Creates an experiment that tunes `objective` over `parameters` (see TuneOptions) and starts
   * it; resolves with the stored experiment once it is created, as Katib's tune does. Wait for
   * it with waitForExperimentCondition.
   */
  async tune<P extends Record<string, SearchSpace>>(options: TuneOptions<P>): Promise<Experiment> {
    // Captured before any await: the frame of the caller is on this stack only.
    const caller = callerUrl(new Error().stack);
    if (this.#options.runner === 'kubernetes')
      throw invalidArgument(
        'runner',
        'kubernetes',
        'does not run tune(): its objective runs on this machine; on Kubernetes, createExperiment with a trial image',
      );
    const { tuneExperiment } = await import('./tune-experiment.js');
    const experiment = tuneExperiment(options, caller);
    return (await this.#use()).createExperiment(experiment);
  }

  /** Creates and starts an experiment from a Katib Experiment object or a YAML/JSON file path. */
  async createExperiment(experiment: Experiment | Record<string, unknown> | string): Promise<Experiment> {
    const { experimentInput } = await import('./experiment-input.js');
    const parsed = await experimentInput(experiment, this.#options.runner);
    return (await this.#use()).createExperiment(parsed);
  }

  async getExperiment(name: string): Promise<Experiment> {
    const checked = checkName(name);
    return (await this.#use()).getExperiment(checked);
  }

  async listExperiments(): Promise<Experiment[]> {
    return (await this.#use()).listExperiments();
  }

  async getExperimentConditions(name: string): Promise<Condition<ExperimentConditionType>[]> {
    return (await this.getExperiment(name)).status?.conditions ?? [];
  }

  isExperimentCreated(name: string): Promise<boolean> {
    return this.#hasCondition(name, 'Created');
  }
  isExperimentRunning(name: string): Promise<boolean> {
    return this.#hasCondition(name, 'Running');
  }
  isExperimentRestarting(name: string): Promise<boolean> {
    return this.#hasCondition(name, 'Restarting');
  }
  isExperimentSucceeded(name: string): Promise<boolean> {
    return this.#hasCondition(name, 'Succeeded');
  }
  isExperimentFailed(name: string): Promise<boolean> {
    return this.#hasCondition(name, 'Failed');
  }

  /**
   * Resolves with the experiment once its `expectedCondition` (default Succeeded) is True. Rejects
   * ExperimentFailedError when it Failed instead (unless Failed is what is awaited), KatibError
   * `deadline_exceeded` after `timeout` seconds (default 600). Polls every `pollingInterval`
   * seconds (default 15, as Katib); the embedded client also wakes up as soon as it changes.
   */
  async waitForExperimentCondition(name: string, options: WaitOptions = {}): Promise<Experiment> {
    checkName(name);
    const checked = checkWaitOptions(options);
    return waitForCondition(await this.#use(), name, checked);
  }

  /** Changes maxTrialCount, parallelTrialCount and/or maxFailedTrialCount (Katib's rules). */
  async editExperimentBudget(name: string, budget: ExperimentBudget): Promise<Experiment> {
    const checked = checkName(name);
    return (await this.#use()).editExperimentBudget(checked, budget);
  }

  /** Stops the experiment's trials and deletes it, its trials and their observation logs. */
  async deleteExperiment(name: string): Promise<void> {
    const checked = checkName(name);
    await (await this.#use()).deleteExperiment(checked);
  }

  async listTrials(experimentName: string): Promise<Trial[]> {
    const checked = checkName(experimentName, 'experimentName');
    return (await this.#use()).listTrials(checked);
  }

  async getTrial(name: string): Promise<Trial> {
    const checked = checkName(name);
    return (await this.#use()).getTrial(checked);
  }

  /** Name, assignments and observed metrics of every Succeeded trial of the experiment. */
  async getSuccessTrialDetails(experimentName: string): Promise<SuccessTrialDetails[]> {
    const trials = await this.listTrials(experimentName);
    return trials
      .filter((t) => t.conditions.some((c) => c.type === 'Succeeded' && c.status === 'True'))
      .map((t) => ({
        name: t.name,
        parameterAssignments: t.parameterAssignments,
        metrics: t.observation?.metrics ?? [],
      }));
  }

  /** The best trial so far (`status.currentOptimalTrial`), or undefined before any reported. */
  async getOptimalHyperparameters(experimentName: string): Promise<OptimalTrial | undefined> {
    const optimal = (await this.getExperiment(experimentName)).status?.currentOptimalTrial;
    return optimal && optimal.bestTrialName !== '' ? optimal : undefined;
  }

  /** The trial's observation log: every point it reported, oldest first. */
  async getTrialMetrics(trialName: string, query: TrialMetricsQuery = {}): Promise<TrialMetricLog[]> {
    checkName(trialName, 'trialName');
    const q = record(query, 'query', 'must be {metricName?, startTime?, endTime?}');
    checkKeys(q, ['metricName', 'startTime', 'endTime'], 'query.');
    for (const [k, v] of Object.entries(q))
      if (v !== undefined && typeof v !== 'string')
        throw invalidArgument(`query.${k}`, v, 'must be a string');
    return (await this.#use()).getTrialMetrics(trialName, query);
  }

  /** What the trial's process printed (the last MiB of stdout and of stderr). */
  async getTrialLogs(trialName: string): Promise<TrialLogs> {
    const checked = checkName(trialName, 'trialName');
    return (await this.#use()).getTrialLogs(checked);
  }

  /**
   * Releases what the client started. Embedded: running experiments are stopped (their trials
   * ended, to be resumed later) and the database closed. Idempotent.
   */
  async close(): Promise<void> {
    this.#closed = true;
    const backend = this.#backend;
    if (!backend) return;
    await (await backend.catch(() => undefined))?.close();
  }

  async #hasCondition(name: string, type: ExperimentConditionType): Promise<boolean> {
    const conditions = await this.getExperimentConditions(name);
    return conditions.some((c) => c.type === type && c.status === 'True');
  }

  #use(): Promise<KatibBackend> {
    if (this.#closed)
      return Promise.reject(new KatibError('failed_precondition', 'the KatibClient is closed'));
    // A start that failed (database unreachable) is not remembered: the next call tries again.
    this.#backend ??= this.#open().catch((err: unknown) => {
      this.#backend = undefined;
      throw err;
    });
    return this.#backend;
  }

  async #open(): Promise<KatibBackend> {
    const o = this.#options;
    if (o.address !== undefined) {
      const { openRemoteBackend } = await import('./remote-backend.js');
      const token = o.token ?? (process.env.KATIB_OPERATOR_TOKEN || undefined);
      const caFile = o.caFile ?? (process.env.KATIB_DB_MANAGER_CA || undefined);
      return openRemoteBackend(o.address, o.timeout ?? 60, {
        ...(token !== undefined ? { token } : {}),
        ...(caFile !== undefined ? { caFile } : {}),
      });
    }
    const { openEmbeddedBackend } = await import('./embedded-backend.js');
    return openEmbeddedBackend({
      db: o.db ?? 'sqlite:katib.db',
      workDir: o.workDir ?? '.katib',
      resume: o.resume ?? false,
      ...(o.runner === 'kubernetes'
        ? { kubernetes: o.namespace !== undefined ? { namespace: o.namespace } : {} }
        : {}),
    });
  }
}

function checkName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name === '')
    throw invalidArgument(field, name, 'must be a non-empty string');
  return name;
}
