/**
 * Experiments managed the way Katib's controller manager does it, in one process: every stored
 * experiment this process owns has a controller running it, and the operations of Katib's client
 * (create, get, list, edit the budget, delete, trials, logs, metrics) act on the store and on those
 * controllers. Used alike by `katib run` (admit + drive), `katib server` (behind the gRPC
 * management API) and the embedded KatibClient (directly); built by openKatib.
 *
 * One owner per experiment: the manager takes the experiment's lease (ExperimentLeases) before its
 * controller starts and gives it up when the controller ends, so two processes never drive one
 * experiment; a second owner is refused with LeaseHeldError naming the holder, or waits.
 */
import { rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { setCondition } from '../api/conditions.js';
import { KatibError } from '../api/errors.js';
import type { Experiment } from '../api/experiment.js';
import type { MetricLog, ObservationQuery } from '../api/observation.js';
import type { Trial } from '../api/trial.js';
import {
  type ControllerEvent,
  EXPERIMENT_PHASES,
  type ExperimentController,
  emptyStatus,
  isFinished,
  trialDir,
} from '../controller/index.js';
import { configMapsNamedBy, parseExperiment } from '../spec/index.js';
import { type Lease, SqlLeaseStore } from '../store/index.js';
import { getSuggester, knownAlgorithms, withOwnSeed, withStoredSeed } from '../suggestion/index.js';
import { type Budget, checkBudget, resumableWithBudget } from './budget.js';
import {
  type AcquireOptions,
  describeHolder,
  ExperimentLeases,
  type LeaseSettings,
} from './experiment-leases.js';
import type { ControllerSettings, LocalKatib } from './local-katib.js';
import { readTrialLogs, type TrialLogs } from './trial-logs.js';

export interface ExperimentManagerOptions {
  katib: LocalKatib;
  /** The LocalKatib's workRoot: trial T of experiment E runs in `<workRoot>/E/T` (trialDir), its logs there. */
  workRoot: string;
  /** Who this manager is to the other owners of the database, and how long its leases last. */
  lease: LeaseSettings;
  logger?: Logger;
  /** Every controller event, with the experiment it belongs to (progress lines, dashboards). */
  onEvent?: (experimentName: string, event: ControllerEvent) => void;
}

/**
 * What admit did: `created` the experiment, found it stored with the same spec and `resuming` it,
 * or found it `finished`.
 */
export type Admission = 'created' | 'resuming' | 'finished';

interface Run {
  abort: AbortController;
  controller: ExperimentController;
  /** The controller's result; rejects as the controller does (or with the lost lease). */
  final: Promise<Experiment>;
  done: Promise<void>;
  /** Set when the lease was taken by another owner and the run was stopped for it. */
  lost?: KatibError;
}

export class ExperimentManager {
  readonly #katib: LocalKatib;
  readonly #options: ExperimentManagerOptions;
  readonly #runs = new Map<string, Run>();
  readonly #listeners = new Set<(experimentName: string) => void>();
  readonly #leases: ExperimentLeases;
  /** Ends waits for leases (resumeAll's) when the manager closes. */
  readonly #closing = new AbortController();
  #closed = false;

  constructor(options: ExperimentManagerOptions) {
    this.#katib = options.katib;
    this.#options = options;
    this.#leases = new ExperimentLeases(
      new SqlLeaseStore(options.katib.db.kysely, options.katib.db.dialect),
      options.lease,
      {
        onLost: (name, lease) => this.#leaseLost(name, lease),
        onFault: (err) => options.logger?.warn({ err }, 'cannot renew or release an experiment lease'),
      },
    );
  }

  /**
   * Starts a controller for every stored experiment that has not finished and that no other owner
   * holds; returns their names. With `waitForHeld`, an experiment another owner holds is taken
   * over (and resumed) when that lease ends, released or expired; without, it is left alone.
   */
  async resumeAll(options: { waitForHeld?: boolean } = {}): Promise<string[]> {
    const resumed: string[] = [];
    for (const experiment of await this.#katib.experiments.listExperiments()) {
      if (isFinished(experiment)) continue;
      const name = experiment.metadata.name;
      try {
        await this.#leases.acquire(name);
      } catch (err) {
        if (!(err instanceof KatibError && err.code === 'aborted')) throw err;
        this.#options.logger?.warn({ experiment: name }, `not resumed: ${err.message}`);
        if (options.waitForHeld) void this.#takeOverWhenFree(name);
        continue;
      }
      this.#start(name);
      resumed.push(name);
    }
    return resumed;
  }

  /**
   * The one create/resume/refuse policy, for an experiment this process is to run (`katib run`):
   * takes the experiment's lease (refusing with LeaseHeldError when another owner holds it, or
   * waiting for it with `wait`), then creates the experiment when the database does not hold it,
   * resumes it when it holds the same spec (or reports it finished), and refuses `already_exists`
   * when it holds a different spec under that name. With `policy: 'create'` (Katib's create) an
   * existing name is always `already_exists`. On success the lease is held: drive the experiment
   * with `drive`, or give it up with `close`.
   */
  async admit(
    experiment: Experiment,
    policy: 'create' | 'create-or-resume',
    acquire: AcquireOptions = {},
  ): Promise<Admission> {
    this.#open();
    const name = experiment.metadata.name;
    const heldBefore = this.#leases.holds(name);
    await this.#leases.acquire(name, acquire);
    try {
      const stored = await this.#katib.experiments.getExperiment(name);
      if (!stored) {
        experiment.metadata.creationTimestamp ??= new Date().toISOString();
        // An experiment that names no random_state gets its own, recorded with it (see withOwnSeed).
        await this.#katib.experiments.createExperiment(withOwnSeed(experiment));
        return 'created';
      }
      if (policy === 'create')
        throw new KatibError('already_exists', `experiment ${JSON.stringify(name)} already exists`);
      if (!isDeepStrictEqual(stored.spec, withStoredSeed(experiment.spec, stored.spec)))
        throw new KatibError(
          'already_exists',
          `experiment ${name} already exists in ${this.#katib.db.displayUrl} with a different spec`,
          { field: 'metadata.name' },
        );
      return isFinished(stored) ? 'finished' : 'resuming';
    } catch (err) {
      if (!heldBefore && !this.#runs.has(name)) await this.#leases.release(name);
      throw err;
    }
  }

  /**
   * Runs the admitted experiment's controller here with `settings` (progress, notices, the
   * experiment file's folder) until the experiment ends; resolves with it as stored. Rejects
   * `cancelled` when `signal` aborts (its trials are stopped, to be resumed by the next owner), and
   * `aborted` if another owner took the lease (this process stalled past its expiry).
   */
  async drive(name: string, settings: ControllerSettings = {}, signal?: AbortSignal): Promise<Experiment> {
    this.#open();
    if (!this.#leases.holds(name))
      throw new KatibError('failed_precondition', `experiment ${JSON.stringify(name)} was not admitted here`);
    const run = this.#start(name, settings, true);
    if (!run)
      throw new KatibError('failed_precondition', `experiment ${JSON.stringify(name)} is already running`);
    const stop = () => run.abort.abort();
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      return await run.final.catch((err: unknown) => {
        throw run.lost ?? err;
      });
    } finally {
      signal?.removeEventListener('abort', stop);
      await run.done;
    }
  }

  /**
   * Validates `input` (a Katib Experiment object; its status is ignored) with Katib's rules for
   * the runner (local: the trial must run as a local command) and the algorithm's settings, stores
   * it and starts its controller. Resolves with the stored experiment once it is stored, as
   * Katib's create does; `already_exists` when the name is taken.
   */
  async create(input: unknown): Promise<Experiment> {
    this.#open();
    // On Kubernetes a trialTemplate.configMap is read from the cluster, as Katib's controller does.
    const read = this.#katib.runner.readConfigMap?.bind(this.#katib.runner);
    const configMaps = read ? await configMapsNamedBy(input, read) : undefined;
    const experiment = parseExperiment(withoutStatus(input), {
      knownAlgorithms: knownAlgorithms(),
      runner: this.#katib.runner.kind ?? 'local',
      ...(configMaps ? { configMaps } : {}),
    });
    getSuggester(experiment.spec.algorithm.algorithmName).validateSettings(experiment);
    await this.admit(experiment, 'create');
    this.#start(experiment.metadata.name);
    return (await this.#katib.experiments.getExperiment(experiment.metadata.name)) ?? experiment;
  }

  async get(name: string): Promise<Experiment> {
    const experiment = await this.#katib.experiments.getExperiment(name);
    if (!experiment) throw notFound('experiment', name);
    return experiment;
  }

  list(): Promise<Experiment[]> {
    return this.#katib.experiments.listExperiments();
  }

  /**
   * Changes the budget by Katib's rules (see checkBudget). A running experiment's controller
   * picks it up at once, its running trials untouched. An experiment that Succeeded by reaching maxTrialCount, with resumePolicy LongRunning or
   * FromVolume, is restarted (condition Restarting); other finished experiments cannot change.
   */
  async editBudget(name: string, budget: Budget): Promise<Experiment> {
    this.#open();
    const current = await this.get(name);
    const spec = checkBudget(current, budget);
    const finished = isFinished(current);
    if (finished) {
      resumableWithBudget(current);
      // Restarting it makes this process its owner.
      await this.#leases.acquire(name);
    }
    await this.#katib.experiments.updateExperimentSpec(name, spec);
    if (finished) {
      const now = new Date().toISOString();
      const conditions = setCondition(
        current.status?.conditions ?? [],
        {
          type: 'Restarting',
          reason: 'ExperimentRestarting',
          message: 'Experiment is restarting with a new budget',
        },
        now,
        EXPERIMENT_PHASES,
      );
      const { completionTime: _ended, ...status } = current.status ?? emptyStatus();
      await this.#katib.experiments.updateExperimentStatus(name, { ...status, conditions });
      this.#start(name);
    } else {
      // The running controller re-reads the budget and acts on it; running trials go on.
      this.#runs.get(name)?.controller.budgetChanged(name);
    }
    this.#changed(name);
    return this.get(name);
  }

  /**
   * Stops the experiment's trials, then deletes it, its trials, their observation logs and folders,
   * and what the runner keeps for it (on Kubernetes: its trial resources, unless retained).
   */
  async delete(name: string): Promise<void> {
    const experiment = await this.get(name);
    await this.#stop(name);
    // Another owner's experiment is refused (LeaseHeldError): its trials are that process's.
    await this.#leases.acquire(name);
    try {
      await this.#deleteOwned(name, experiment);
    } finally {
      await this.#leases.release(name);
    }
  }

  async #deleteOwned(name: string, experiment: Experiment): Promise<void> {
    try {
      await this.#katib.runner.deleteExperiment?.(name, {
        retain: experiment.spec.trialTemplate.retain ?? false,
      });
    } catch (err) {
      // The experiment goes all the same; what it left on the cluster stays until deleted there.
      this.#options.logger?.warn(
        { experiment: name, err },
        'cannot delete what the runner keeps for the experiment',
      );
    }
    const trials = await this.#katib.experiments.listTrials(name);
    for (const trial of trials) await this.#katib.db.observations.delete(trial.name);
    await this.#katib.experiments.deleteExperiment(name);
    await Promise.all(trials.map((t) => rm(this.#trialDir(t), { recursive: true, force: true })));
    // The experiment's folder too, once empty (trialDir's layout); a user's own files stay.
    await rmdir(path.join(this.#options.workRoot, name)).catch(() => {});
    this.#changed(name);
  }

  /** The experiment's trials in creation order; `not_found` for an unknown experiment. */
  async listTrials(experimentName: string): Promise<Trial[]> {
    await this.get(experimentName);
    return this.#katib.experiments.listTrials(experimentName);
  }

  async getTrial(name: string): Promise<Trial> {
    const trial = await this.#katib.experiments.getTrial(name);
    if (!trial) throw notFound('trial', name);
    return trial;
  }

  /** What the trial printed: the last TRIAL_LOG_TAIL_BYTES of stdout and of stderr. */
  async trialLogs(name: string): Promise<TrialLogs> {
    return readTrialLogs(this.#trialDir(await this.getTrial(name)));
  }

  /** The trial's observation log (what it reported), oldest first; [] for a trial with none. */
  trialMetrics(name: string, query: ObservationQuery = {}): Promise<MetricLog[]> {
    return this.#katib.db.observations.get(name, query);
  }

  /** Calls `listener` with an experiment's name whenever it may have changed. */
  onChange(listener: (experimentName: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Stops every controller: running trials are ended and left to be resumed by the next owner of
   * this database; then gives up every lease. Does not close the LocalKatib (its owner does).
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#closing.abort();
    await Promise.all([...this.#runs.keys()].map((name) => this.#stop(name)));
    await this.#leases.close();
  }

  /**
   * Starts the experiment's controller (its lease held). In the background (server, KatibClient) a
   * controller that fails marks the experiment Failed; in the foreground (`drive`) its error goes to
   * the caller and the experiment stays resumable. The lease is given up when the controller ends.
   */
  #start(name: string, settings: ControllerSettings = {}, foreground = false): Run | undefined {
    if (this.#runs.has(name) || this.#closed) return undefined;
    const abort = new AbortController();
    const controller = this.#katib.controller({
      ...settings,
      onEvent: (event) => {
        settings.onEvent?.(event);
        this.#options.onEvent?.(name, event);
        this.#changed(name);
      },
    });
    const run: Run = {
      abort,
      controller,
      final: controller.run(name, abort.signal),
      done: Promise.resolve(),
    };
    run.done = run.final
      .then(
        () => undefined,
        (err: unknown) =>
          foreground || abort.signal.aborted ? undefined : this.#controllerFailed(name, err),
      )
      .finally(async () => {
        if (this.#runs.get(name) === run) this.#runs.delete(name);
        if (!run.lost) await this.#leases.release(name);
        this.#changed(name);
      });
    this.#runs.set(name, run);
    return run;
  }

  /** Waits for another owner's lease to end, then resumes the experiment here (katib server). */
  async #takeOverWhenFree(name: string): Promise<void> {
    try {
      await this.#leases.acquire(name, { wait: true, signal: this.#closing.signal });
      if (this.#closed) return void (await this.#leases.release(name));
      const experiment = await this.#katib.experiments.getExperiment(name);
      if (!experiment || isFinished(experiment)) return void (await this.#leases.release(name));
      this.#options.logger?.info({ experiment: name }, 'took the experiment over: resuming it');
      this.#start(name);
    } catch (err) {
      if (!this.#closed)
        this.#options.logger?.error({ experiment: name, err }, 'cannot take the experiment over');
    }
  }

  /** Another owner took the lease (this process stalled past its expiry): stop driving at once. */
  #leaseLost(name: string, lease: Lease | undefined): void {
    const run = this.#runs.get(name);
    const message = `lost the lease of experiment ${name}${lease ? `: it ${describeHolder(lease)}` : ''}; stopped running it here`;
    this.#options.logger?.error({ experiment: name }, message);
    if (!run) return;
    run.lost = new KatibError('aborted', message);
    run.abort.abort();
  }

  async #stop(name: string): Promise<void> {
    const run = this.#runs.get(name);
    if (!run) return;
    run.abort.abort();
    await run.done;
  }

  /** A controller that gave up (a store fault, an inconsistent state): the experiment is Failed, so no one waits forever. */
  async #controllerFailed(name: string, err: unknown): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    this.#options.logger?.error({ experiment: name, err }, 'experiment controller failed');
    try {
      const experiment = await this.get(name);
      const conditions = setCondition(
        experiment.status?.conditions ?? [],
        { type: 'Failed', reason: 'ExperimentControllerFailed', message },
        new Date().toISOString(),
        EXPERIMENT_PHASES,
      );
      await this.#katib.experiments.updateExperimentStatus(name, {
        ...(experiment.status ?? emptyStatus()),
        conditions,
        completionTime: new Date().toISOString(),
      });
    } catch (writeErr) {
      this.#options.logger?.error({ experiment: name, err: writeErr }, 'cannot record the failure');
    }
  }

  #changed(name: string): void {
    for (const listener of this.#listeners) {
      try {
        listener(name);
      } catch {
        // A listener's fault is its own.
      }
    }
  }

  #open(): void {
    if (this.#closed) throw new KatibError('unavailable', 'the experiment manager is shutting down');
  }

  #trialDir(trial: Trial): string {
    return trialDir(this.#options.workRoot, trial);
  }
}

function withoutStatus(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const { status: _ignored, ...rest } = input as Record<string, unknown>;
  return rest;
}

function notFound(kind: string, name: string): KatibError {
  return new KatibError('not_found', `${kind} ${JSON.stringify(name)} does not exist`, { field: 'name' });
}
