/**
 * Early stopping for every collector kind, Push included (Katib's stops only trials whose
 * sidecar collects): the rules come from the experiment's early stopper and the finished trials'
 * logs; every metric log a running trial stores, whoever wrote it (its own pushes over gRPC or
 * HTTP, or a pull collector), reaches `observe` through the DB manager's report listener and is
 * checked against the rules that were current when the trial started (Katib's semantics).
 */
import type { Experiment } from '../api/experiment.js';
import type { MetricLog } from '../api/observation.js';
import type { Trial } from '../api/trial.js';
import {
  computeRules,
  type EarlyStopper,
  type EarlyStoppingRule,
  getEarlyStopper,
  StopChecker,
} from '../earlystopping/index.js';
import type { ObservationStore } from '../store/observation-store.js';

export class EarlyStoppingWatch {
  readonly #stopper: EarlyStopper;
  readonly #observations: ObservationStore;
  readonly #watched = new Map<string, { checker: StopChecker; stop: () => void }>();
  // Finished trials' logs never change: read each once, however often the rules are recomputed.
  readonly #finishedLogs = new Map<string, readonly MetricLog[]>();
  #rules: EarlyStoppingRule[] = [];
  #computedAt = -1;

  private constructor(stopper: EarlyStopper, observations: ObservationStore) {
    this.#stopper = stopper;
    this.#observations = observations;
  }

  /** A watch for `experiment`, or undefined when it has no early stopping. Checks its settings. */
  static forExperiment(
    experiment: Experiment,
    observations: ObservationStore,
  ): EarlyStoppingWatch | undefined {
    const spec = experiment.spec.earlyStopping;
    if (!spec?.algorithmName) return undefined;
    const stopper = getEarlyStopper(spec.algorithmName);
    stopper.validateSettings(spec);
    return new EarlyStoppingWatch(stopper, observations);
  }

  get rules(): readonly EarlyStoppingRule[] {
    return this.#rules;
  }

  /** Recomputes the rules when `completed` (how many trials have ended) moved since last time. */
  async refresh(experiment: Experiment, trials: readonly Trial[], completed: number): Promise<void> {
    if (completed === this.#computedAt) return;
    this.#computedAt = completed;
    this.#rules = await computeRules(
      this.#stopper,
      { experiment, trials },
      async ({ trialName, metricName }) => {
        const key = `${trialName}\u0000${metricName}`;
        let logs = this.#finishedLogs.get(key);
        if (!logs) {
          logs = await this.#observations.get(trialName, { metricName });
          this.#finishedLogs.set(key, logs);
        }
        return logs;
      },
    );
  }

  /** Starts checking `trialName` against the current rules; `stop` is called once if it must end. */
  watch(trialName: string, objective: Experiment['spec']['objective'], stop: () => void): void {
    if (this.#rules.length === 0) return;
    this.#watched.set(trialName, { checker: new StopChecker(this.#rules, objective), stop });
  }

  unwatch(trialName: string): void {
    this.#watched.delete(trialName);
  }

  /** Feeds newly stored logs of a trial (the DB manager's report listener calls this). */
  observe(trialName: string, logs: readonly MetricLog[]): void {
    const watched = this.#watched.get(trialName);
    if (!watched) return;
    for (const log of logs) {
      if (watched.checker.observe(log)) {
        this.#watched.delete(trialName);
        watched.stop();
        return;
      }
    }
  }
}
