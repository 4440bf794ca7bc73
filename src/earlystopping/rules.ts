import type { ObjectiveSpec } from '../api/experiment.js';
import { parseMetricNumber } from '../api/metric-value.js';
import type { MetricLog } from '../api/observation.js';

/** How a rule compares a metric's value with its `value`: the rule is broken when it holds. */
export type Comparison = 'less' | 'greater' | 'equal';

/**
 * One early stopping rule, as Katib's EarlyStoppingRule carries it: the metric `name`, broken
 * once its value compares to `value` as `comparison` says (for the objective metric: its best
 * value so far), counted from the metric's `startStep`-th report on (0 or 1: from the first).
 * A trial stops once every one of its rules has been broken (a broken rule stays broken).
 */
export interface EarlyStoppingRule {
  name: string;
  value: number;
  comparison: Comparison;
  startStep: number;
}

/** What a checker needs of the experiment: which metric is the objective and its direction. */
export type ObjectiveOf = Pick<ObjectiveSpec, 'objectiveMetricName' | 'type'>;

/**
 * Checks one running trial against its rules, one metric log at a time, the way Katib's metrics
 * collector does: reports are counted per metric; values that are not numbers ("unavailable")
 * are neither counted nor compared; for the objective metric the best value so far (max when
 * maximizing, min when minimizing) is compared, for any other metric the value itself. Feed
 * logs in time order. Lives as long as the trial it watches; never shared between trials.
 */
export class StopChecker {
  readonly #rules: readonly EarlyStoppingRule[];
  readonly #objective: ObjectiveOf;
  readonly #broken: boolean[];
  readonly #reports = new Map<string, number>();
  #best: number | undefined;

  constructor(rules: readonly EarlyStoppingRule[], objective: ObjectiveOf) {
    this.#rules = rules;
    this.#objective = objective;
    this.#broken = rules.map(() => false);
  }

  /** True once every rule has been broken: the trial must stop. Never true without rules. */
  get stop(): boolean {
    return this.#broken.length > 0 && this.#broken.every(Boolean);
  }

  /** Takes the trial's next metric log; returns `stop` after it. */
  observe(log: Pick<MetricLog, 'name' | 'value'>): boolean {
    const raw = parseMetricNumber(log.value);
    if (raw === undefined) return this.stop;
    const reports = (this.#reports.get(log.name) ?? 0) + 1;
    this.#reports.set(log.name, reports);
    let value = raw;
    if (log.name === this.#objective.objectiveMetricName) {
      const best = this.#best;
      if (best === undefined || (this.#objective.type === 'maximize' ? raw > best : raw < best)) {
        this.#best = raw;
      }
      value = this.#best ?? raw;
    }
    this.#rules.forEach((rule, k) => {
      if (this.#broken[k] || rule.name !== log.name || reports < rule.startStep) return;
      if (compares(value, rule)) this.#broken[k] = true;
    });
    return this.stop;
  }
}

/** Whether a trial with these logs (in time order) breaks every rule: it should have stopped. */
export function breaksRules(
  rules: readonly EarlyStoppingRule[],
  logs: Iterable<Pick<MetricLog, 'name' | 'value'>>,
  objective: ObjectiveOf,
): boolean {
  const checker = new StopChecker(rules, objective);
  for (const log of logs) if (checker.observe(log)) return true;
  return false;
}

function compares(value: number, rule: EarlyStoppingRule): boolean {
  switch (rule.comparison) {
    case 'less':
      return value < rule.value;
    case 'greater':
      return value > rule.value;
    case 'equal':
      return value === rule.value;
  }
}
