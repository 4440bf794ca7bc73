/**
 * Experiments managed the way Katib's controller manager does it, in one process: every stored
 * experiment that has not finished has a controller running it (local trials), and the operations
 * of Katib's client (create, get, list, edit the budget, delete, trials, logs, metrics) act on the
 * store and on those controllers. Used by `katib server` (behind the gRPC management API) and by
 * the embedded KatibClient (directly).
 */
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
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
  type LocalKatib,
} from '../controller/index.js';
import { configMapsNamedBy, parseExperiment } from '../spec/index.js';
import { getSuggester, knownAlgorithms } from '../suggestion/index.js';
import { type Budget, checkBudget, resumableWithBudget } from './budget.js';

export interface TrialLogs {
  stdout: string;
  stderr: string;
}

export interface ExperimentManagerOptions {
  katib: LocalKatib;
  /** The LocalKatib's workRoot: trial `T` runs in `<workRoot>/T`, its logs there. */
  workRoot: string;
  logger?: Logger;
  /** Every controller event, with the experiment it belongs to (progress lines, dashboards). */
  onEvent?: (experimentName: string, event: ControllerEvent) => void;
}

/** The end of each log stream returned by trialLogs, so a reply fits a gRPC message. */
export const TRIAL_LOG_TAIL_BYTES = 1024 * 1024;

interface Run {
  abort: AbortController;
  controller: ExperimentController;
  done: Promise<void>;
}

export class ExperimentManager {
  readonly #katib: LocalKatib;
  readonly #options: ExperimentManagerOptions;
  readonly #runs = new Map<string, Run>();
  readonly #listeners = new Set<(experimentName: string) => void>();
  #closed = false;

  constructor(options: ExperimentManagerOptions) {
    this.#katib = options.katib;
    this.#options = options;
  }

  /** Starts a controller for every stored experiment that has not finished; returns their names. */
  async resumeAll(): Promise<string[]> {
    const resumed: string[] = [];
    for (const experiment of await this.#katib.experiments.listExperiments()) {
      if (isFinished(experiment)) continue;
      this.#start(experiment.metadata.name);
      resumed.push(experiment.metadata.name);
    }
    return resumed;
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
    experiment.metadata.creationTimestamp ??= new Date().toISOString();
    await this.#katib.experiments.createExperiment(experiment);
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
    if (finished) resumableWithBudget(current);
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
    await Promise.all(trials.map((t) => rm(this.#trialDir(t.name), { recursive: true, force: true })));
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
    await this.getTrial(name);
    const dir = this.#trialDir(name);
    const [stdout, stderr] = await Promise.all([
      tail(path.join(dir, 'stdout.log')),
      tail(path.join(dir, 'stderr.log')),
    ]);
    return { stdout, stderr };
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
   * Stops every controller: running trials are ended and left to be resumed by the next manager
   * over this database. Does not close the LocalKatib (its owner does).
   */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#runs.keys()].map((name) => this.#stop(name)));
  }

  #start(name: string): void {
    if (this.#runs.has(name) || this.#closed) return;
    const abort = new AbortController();
    const controller = this.#katib.controller({
      onEvent: (event) => {
        this.#options.onEvent?.(name, event);
        this.#changed(name);
      },
    });
    const run: Run = { abort, controller, done: Promise.resolve() };
    run.done = controller
      .run(name, abort.signal)
      .then(
        () => undefined,
        (err: unknown) => (abort.signal.aborted ? undefined : this.#controllerFailed(name, err)),
      )
      .finally(() => {
        if (this.#runs.get(name) === run) this.#runs.delete(name);
        this.#changed(name);
      });
    this.#runs.set(name, run);
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

  #trialDir(trialName: string): string {
    return path.join(this.#options.workRoot, trialName);
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

async function tail(file: string): Promise<string> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(file, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await fh.stat();
    const length = Math.min(size, TRIAL_LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await fh.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await fh.close();
  }
}
