/**
 * The experiment controller: keeps `parallelTrialCount` trials running, asks the algorithm for
 * as many assignments as there are free slots, records every trial's life in the ExperimentStore,
 * and ends the experiment by Katib's rules. One controller drives one experiment at a time; it
 * keeps the experiment's trials in memory (written through to the store) so a long experiment costs
 * no re-reads, and resumes from the store after a crash (see resume.ts for the rule).
 */

import { currentCondition, setCondition } from '../api/conditions.js';
import { KatibError } from '../api/errors.js';
import type { Experiment, ExperimentStatus } from '../api/experiment.js';
import type { MetricLog } from '../api/observation.js';
import type { Trial } from '../api/trial.js';
import type { ExperimentStore } from '../store/experiment-store.js';
import type { Suggester } from '../suggestion/index.js';
import { getSuggester } from '../suggestion/index.js';
import { EarlyStoppingWatch } from './early-stopping-watch.js';
import {
  EXPERIMENT_PHASES,
  experimentEnd,
  TRIAL_PHASES,
  type TrialsSummary,
  trialsToCreate,
  zeroCounts,
} from './experiment-status.js';
import { resumeLeftovers } from './resume.js';
import { TrialBook } from './trial-book.js';
import {
  startTrialExecution,
  type TrialExecutionContext,
  type TrialHandle,
  type TrialOutcome,
} from './trial-execution.js';
import { newTrialName } from './trial-names.js';

export type ControllerEvent =
  | { type: 'trial-started'; trial: Trial; summary: TrialsSummary }
  | { type: 'trial-ended'; trial: Trial; outcome: TrialOutcome; summary: TrialsSummary }
  | { type: 'experiment-ended'; experiment: Experiment; summary: TrialsSummary };

export interface ControllerOptions extends Omit<TrialExecutionContext, 'experiment' | 'signal'> {
  experiments: ExperimentStore;
  /** The algorithm for an experiment; default: the registry in src/suggestion. */
  suggesterFor?: (algorithmName: string) => Suggester;
  onEvent?: (event: ControllerEvent) => void;
  now?: () => string;
  /**
   * Subscribes to every report the DB manager stores (its service's `onReported`), so early
   * stopping sees a running trial's metrics whoever wrote them; returns the unsubscribe function.
   * Without it, early stopping is off.
   */
  onReported?: (listener: (trialName: string, logs: readonly MetricLog[]) => void) => () => void;
}

export class ExperimentController {
  readonly #options: ControllerOptions;
  readonly #now: () => string;
  // run(name) registers here how to tell it that the stored budget changed.
  readonly #budgetListeners = new Map<string, () => void>();

  constructor(options: ControllerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date().toISOString());
  }

  /**
   * Runs the stored experiment `name` until it ends and resolves with its final state. When
   * `signal` aborts, running trials are ended and left Running in the store (a later run resumes
   * them by the resume rule) and the promise rejects with KatibError `cancelled`. An experiment that
   * already ended resolves at once, unchanged.
   */
  async run(name: string, signal?: AbortSignal): Promise<Experiment> {
    const cleanup: (() => void)[] = [];
    try {
      return await this.#run(name, signal, cleanup);
    } finally {
      for (const undo of cleanup) undo();
    }
  }

  /**
   * Tells a running `run(name)` that the stored spec's budget changed: it re-reads maxTrialCount,
   * parallelTrialCount and maxFailedTrialCount at once and acts on them (more slots start trials
   * now; a lower maximum ends the experiment by the usual rules) without stopping running trials.
   * Does nothing when `name` is not running here.
   */
  budgetChanged(name: string): void {
    this.#budgetListeners.get(name)?.();
  }

  async #run(name: string, signal: AbortSignal | undefined, cleanup: (() => void)[]): Promise<Experiment> {
    const { experiments } = this.#options;
    let experiment = await experiments.getExperiment(name);
    if (!experiment) throw new KatibError('not_found', `experiment ${JSON.stringify(name)} does not exist`);
    if (isFinished(experiment)) return experiment;
    const suggester = (this.#options.suggesterFor ?? getSuggester)(experiment.spec.algorithm.algorithmName);
    suggester.validateSettings(experiment);
    const trials = await experiments.listTrials(name);
    const resumed = await resumeLeftovers(trials, {
      experiments,
      observations: this.#options.observations,
      now: this.#now,
    });
    experiment = await this.#markRunning(experiment, resumed);
    const book = new TrialBook(experiment.spec, trials);

    const stopping = EarlyStoppingWatch.forExperiment(experiment, this.#options.observations);
    if (stopping && this.#options.onReported) {
      cleanup.push(this.#options.onReported((trialName, logs) => stopping.observe(trialName, logs)));
    }
    let budgetEdited = false;
    let wake = (): void => {};
    let woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    this.#budgetListeners.set(name, () => {
      budgetEdited = true;
      wake();
    });
    cleanup.push(() => this.#budgetListeners.delete(name));
    const ctx: TrialExecutionContext = { ...this.#options, experiment, ...(signal ? { signal } : {}) };
    const running = new Map<string, { handle: TrialHandle; done: Promise<void> }>();
    let exhausted = false;
    const aborted = new Promise<void>((resolve) =>
      signal?.addEventListener('abort', () => resolve(), { once: true }),
    );

    for (;;) {
      if (signal?.aborted) {
        await Promise.all([...running.values()].map((r) => r.handle.process.kill()));
        throw new KatibError('cancelled', `experiment ${name} interrupted; run it again to resume`);
      }
      if (budgetEdited) {
        budgetEdited = false;
        woken = new Promise<void>((resolve) => {
          wake = resolve;
        });
        experiment = await this.#withStoredBudget(experiment);
        ctx.experiment = experiment;
      }
      let summary = book.summary();
      const end = experimentEnd(experiment.spec, summary, exhausted);
      if (end) {
        for (const r of running.values())
          r.handle.kill('ExperimentCompleted', `Experiment ended: ${end.reason}`);
        await Promise.all([...running.values()].map((r) => r.done));
        summary = book.summary();
        const ended = setCondition(experiment.status?.conditions ?? [], end, this.#now(), EXPERIMENT_PHASES);
        experiment = await this.#saveStatus(experiment, summary, ended, true);
        this.#options.onEvent?.({ type: 'experiment-ended', experiment, summary });
        return experiment;
      }
      // Rules change only when trials end; new trials start with the rules current then.
      if (stopping) await stopping.refresh(experiment, trials, summary.completed);
      const wanted = exhausted ? 0 : trialsToCreate(experiment.spec, summary);
      if (wanted > 0) {
        const suggestions = suggester.suggest({ experiment, trials, count: wanted });
        if (suggestions.length < wanted) exhausted = true;
        for (const s of suggestions) {
          const trial = this.#newTrial(experiment, s.assignments, s.labels ?? {});
          await experiments.createTrial(trial);
          book.put(trial);
        }
      }
      let changed = wanted > 0;
      for (const trial of book.created()) {
        if (!running.has(trial.name)) {
          const started = await this.#start(ctx, book, trial, running, signal, stopping);
          if (started) running.set(trial.name, started);
          changed = true;
        }
      }
      experiment = await this.#saveStatus(experiment, book.summary(), undefined, false);
      if (running.size > 0) {
        await Promise.race([...[...running.values()].map((r) => r.done), aborted, woken]);
      } else if (
        !changed &&
        !exhausted &&
        // Trials that ended while the status was being saved: look again before giving up.
        book.summary().completed === summary.completed
      ) {
        // Nothing runs, nothing was created and the end rule did not fire: the stored state is
        // inconsistent (e.g. a trial Running in the store that this controller does not own).
        throw new KatibError(
          'internal',
          `experiment ${name} cannot make progress: ${JSON.stringify(summary.counts)}`,
        );
      }
    }
  }

  async #start(
    ctx: TrialExecutionContext,
    book: TrialBook,
    created: Trial,
    running: Map<string, { handle: TrialHandle; done: Promise<void> }>,
    signal: AbortSignal | undefined,
    stopping: EarlyStoppingWatch | undefined,
  ): Promise<{ handle: TrialHandle; done: Promise<void> } | undefined> {
    const { experiments } = this.#options;
    let handle: TrialHandle;
    try {
      handle = startTrialExecution(ctx, created);
    } catch (err) {
      // A template that cannot become a local command fails the trial, not the controller.
      const message = err instanceof Error ? err.message : String(err);
      const failed = this.#withCondition(created, { type: 'Failed', reason: 'TrialStartFailed', message });
      failed.completionTime = this.#now();
      await experiments.updateTrial(failed);
      book.put(failed);
      return undefined;
    }
    stopping?.watch(created.name, ctx.experiment.spec.objective, () => handle.earlyStop());
    const started = this.#withCondition(created, {
      type: 'Running',
      reason: 'TrialRunning',
      message: 'Trial is running',
    });
    started.startTime = this.#now();
    const pid = handle.process.pid?.();
    started.runtime = { attempt: created.runtime?.attempt ?? 1, ...(pid !== undefined ? { pid } : {}) };
    await experiments.updateTrial(started);
    book.put(started);
    this.#options.onEvent?.({
      type: 'trial-started',
      trial: started,
      summary: book.summary(),
    });
    const recorded = handle.outcome.then(async (outcome) => {
      // Interrupted by shutdown: leave it Running in the store; a later run resumes it.
      if (signal?.aborted) return;
      const current = book.get(started.name) ?? started;
      const ended = this.#withCondition(current, {
        type: outcome.condition,
        reason: outcome.reason,
        message: outcome.message,
      });
      ended.completionTime = this.#now();
      ended.observation = { metrics: outcome.observation };
      // The runner knows the pid only once the process has spawned, after the Running write.
      const pid = handle.process.pid?.();
      if (pid !== undefined) ended.runtime = { attempt: ended.runtime?.attempt ?? 1, pid };
      await experiments.updateTrial(ended);
      book.put(ended);
      this.#options.onEvent?.({
        type: 'trial-ended',
        trial: ended,
        outcome,
        summary: book.summary(),
      });
    });
    // Only once its final condition is stored does the trial stop counting as running: the loop
    // (progress check, end rule) must never see it gone from `running` yet Running in `trials`.
    const done = recorded.finally(() => {
      stopping?.unwatch(started.name);
      running.delete(started.name);
    });
    return { handle, done };
  }

  /** The experiment with the budget fields as stored now (the rest of the spec never changes). */
  async #withStoredBudget(experiment: Experiment): Promise<Experiment> {
    const stored = await this.#options.experiments.getExperiment(experiment.metadata.name);
    if (!stored) return experiment;
    const { maxTrialCount, parallelTrialCount, maxFailedTrialCount } = stored.spec;
    const spec = { ...experiment.spec, parallelTrialCount };
    if (maxTrialCount === undefined) delete spec.maxTrialCount;
    else spec.maxTrialCount = maxTrialCount;
    if (maxFailedTrialCount === undefined) delete spec.maxFailedTrialCount;
    else spec.maxFailedTrialCount = maxFailedTrialCount;
    return { ...experiment, spec };
  }

  #newTrial(
    experiment: Experiment,
    assignments: Trial['parameterAssignments'],
    labels: Record<string, string>,
  ): Trial {
    const now = this.#now();
    return {
      name: newTrialName(experiment.metadata.name),
      experimentName: experiment.metadata.name,
      parameterAssignments: assignments,
      labels: { 'katib.kubeflow.org/experiment': experiment.metadata.name, ...labels },
      conditions: setCondition(
        [],
        { type: 'Created', reason: 'TrialCreated', message: 'Trial is created' },
        now,
      ),
    };
  }

  #withCondition(
    trial: Trial,
    change: { type: Trial['conditions'][number]['type']; reason: string; message: string },
  ): Trial {
    return {
      ...trial,
      conditions: setCondition(trial.conditions, change, this.#now(), TRIAL_PHASES),
    };
  }

  async #markRunning(experiment: Experiment, resumed: number): Promise<Experiment> {
    const now = this.#now();
    let conditions = experiment.status?.conditions ?? [];
    if (!conditions.some((c) => c.type === 'Created')) {
      conditions = setCondition(
        conditions,
        { type: 'Created', reason: 'ExperimentCreated', message: 'Experiment is created' },
        now,
      );
    }
    const message =
      resumed > 0
        ? `Experiment is running (resumed; ${resumed} interrupted trial(s) restarted)`
        : 'Experiment is running';
    conditions = setCondition(
      conditions,
      { type: 'Running', reason: 'ExperimentRunning', message },
      now,
      EXPERIMENT_PHASES,
    );
    const status: ExperimentStatus = {
      ...emptyStatus(),
      ...experiment.status,
      conditions,
      startTime: experiment.status?.startTime ?? now,
    };
    await this.#options.experiments.updateExperimentStatus(experiment.metadata.name, status);
    return { ...experiment, status };
  }

  async #saveStatus(
    experiment: Experiment,
    summary: TrialsSummary,
    conditions: ExperimentStatus['conditions'] | undefined,
    final: boolean,
  ): Promise<Experiment> {
    const now = this.#now();
    const previous = experiment.status ?? emptyStatus();
    const status: ExperimentStatus = {
      ...previous,
      ...summary.counts,
      conditions: conditions ?? previous.conditions,
      lastReconcileTime: now,
      ...(summary.optimal ? { currentOptimalTrial: summary.optimal } : {}),
      ...(final ? { completionTime: now } : {}),
    };
    await this.#options.experiments.updateExperimentStatus(experiment.metadata.name, status);
    return { ...experiment, status };
  }
}

export function emptyStatus(): ExperimentStatus {
  return { conditions: [], ...zeroCounts() };
}

/** Whether the experiment has ended (Succeeded or Failed is its current condition). */
export function isFinished(experiment: Experiment): boolean {
  const state = currentCondition(experiment.status?.conditions ?? [])?.type;
  return state === 'Succeeded' || state === 'Failed';
}
