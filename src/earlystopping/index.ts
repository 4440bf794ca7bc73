/**
 * Early stopping: algorithms that turn an experiment's history into rules (data), and the check
 * of a running trial against them. No I/O here; the caller reads logs and stops trials.
 *
 * How the controller uses it (Katib's flow, for every collector kind including Push):
 * 1. At start, `getEarlyStopper(spec.earlyStopping.algorithmName).validateSettings(spec.earlyStopping)`
 *    (bad names and settings are `invalid_argument`).
 * 2. Recompute the rules whenever a trial ends (they depend on the finished trials only), and
 *    once when the experiment starts or resumes:
 *    `rules = await computeRules(stopper, {experiment, trials}, ({trialName, metricName}) =>
 *    observations.get(trialName, {metricName}))`.
 * 3. Give each trial that starts a `new StopChecker(rules, experiment.spec.objective)` with the
 *    rules current at its start (Katib hands them to the trial's collector at creation and never
 *    changes them); feed `checker.observe(log)` every new metric log of that trial as it is
 *    stored (pushed or collected), in time order. When it returns true, kill the trial and end
 *    it EarlyStopped (reason TrialEarlyStopped), keeping the metrics it stored.
 *    No rules (an empty list: too few trials have succeeded yet) means the trial runs to its end.
 * `breaksRules(rules, logs, objective)` is the same check over a whole stored log, for a trial
 * whose logs were read back at once: after a controller restart, or to apply newer rules to a
 * trial already running (a choice beyond Katib's, which keeps a trial's first rules).
 */
export { computeRules } from './compute.js';
export type { EarlyStopper, EarlyStopperFactory, EarlyStoppingRequest, LogQuery } from './early-stopper.js';
export { MEDIANSTOP_DEFAULTS, MedianStop } from './medianstop.js';
export { getEarlyStopper, knownEarlyStoppers } from './registry.js';
export {
  breaksRules,
  type Comparison,
  type EarlyStoppingRule,
  type ObjectiveOf,
  StopChecker,
} from './rules.js';
