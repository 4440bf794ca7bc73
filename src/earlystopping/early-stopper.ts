import type { EarlyStoppingSpec, Experiment } from '../api/experiment.js';
import type { MetricLog } from '../api/observation.js';
import type { Trial } from '../api/trial.js';
import type { EarlyStoppingRule } from './rules.js';

/** One observation log an early stopper needs: a trial's logs of one metric. */
export interface LogQuery {
  trialName: string;
  metricName: string;
}

export interface EarlyStoppingRequest {
  /** The experiment, with `spec.earlyStopping` naming this algorithm and its settings. */
  experiment: Experiment;
  /** Every trial of the experiment so far, in creation order. */
  trials: readonly Trial[];
  /**
   * The logs asked for by `logQueries` for the same experiment and trials, by trial name, each
   * in time order (as the store returns them). A trial left out counts as one with no logs.
   */
  logs: ReadonlyMap<string, readonly MetricLog[]>;
}

/**
 * An early stopping algorithm. Contract:
 * - Rules are data (see EarlyStoppingRule), computed from the history; the caller checks them
 *   against running trials (StopChecker) and stops a trial once it breaks them all.
 * - Stateless and without I/O: `logQueries` says which observation logs `rules` will read, the
 *   caller fetches them (from its store, or a DB manager) and passes them in.
 * - Equal requests give equal rules. No rules (an empty list) means: stop nothing yet.
 */
export interface EarlyStopper {
  /** The logs `rules` needs, for the experiment and trials it will be given. */
  logQueries(request: Omit<EarlyStoppingRequest, 'logs'>): LogQuery[];
  rules(request: EarlyStoppingRequest): EarlyStoppingRule[];
  /**
   * Checks `spec.earlyStopping`'s settings. Throws a KatibError `invalid_argument` naming every
   * bad setting (`spec.earlyStopping.algorithmSettings[i].value`), its value and the rule.
   */
  validateSettings(spec: EarlyStoppingSpec): void;
}

export type EarlyStopperFactory = () => EarlyStopper;
