import type { Experiment } from '../../api/experiment.js';
import type { Issues } from '../issues.js';
import {
  collectSettings,
  nonNegativeInteger,
  numberInRange,
  oneOf,
  positiveInteger,
  RANDOM_STATE,
  type SettingsSchema,
} from '../settings.js';
import { parseDecimal } from '../space/numbers.js';

/** Everything one TPE variant needs, settings read and defaults applied. */
export interface TpeConfig {
  /** The good group's share of the observed trials (at most 25 trials). */
  gamma: number;
  /** The prior kernel's weight against an observation's weight of 1. */
  priorWeight: number;
  /** Draws from l(x) among which the best l(x)/g(x) wins. */
  candidates: number;
  /** Suggestions made without a model, until this many trials have a value. */
  startupTrials: number;
  /** One joint estimator over all parameters (true) or one per parameter. */
  multivariate: boolean;
  randomState: string | undefined;
  /** How the startup suggestions are drawn: a scrambled Sobol sequence or independent draws. */
  startupSampler: 'sobol' | 'random';
  /** The joint good density's kernel widths times this (Optuna's rule is 1). */
  jointGoodBandwidth: number;
}

export type TpeDefaults = Omit<TpeConfig, 'randomState'>;

/**
 * Defaults, tuned on bench/algorithms.ts's functions with seeds other than the bench's
 * (docs/ask-and-tell.md has the figures). Against Optuna 3.1's TPE defaults (independent
 * estimators, gamma 0.1, random startup, Scott-rule widths) the changes that measurably paid
 * off: the joint estimator, a good density half as wide (still no narrower than the magic
 * clip), gamma 0.2 and a Sobol startup.
 */
export const TPE_DEFAULTS: Readonly<TpeDefaults> = Object.freeze({
  gamma: 0.2,
  priorWeight: 1,
  candidates: 24,
  startupTrials: 10,
  multivariate: true,
  startupSampler: 'sobol',
  jointGoodBandwidth: 0.5,
});

/**
 * Katib's `tpe` settings (hyperopt's names), plus `n_startup_trials` and `multivariate`
 * (`false` gives hyperopt's and Optuna's independent estimators).
 */
export const TPE_SCHEMA: SettingsSchema = {
  ...RANDOM_STATE,
  gamma: numberInRange({ above: 0, below: 1 }),
  prior_weight: numberInRange({ above: 0 }),
  n_EI_candidates: positiveInteger,
  n_startup_trials: nonNegativeInteger,
  multivariate: oneOf(['true', 'false']),
};

/** Katib's `multivariate-tpe` settings (Optuna's names); always the joint estimator. */
export const MULTIVARIATE_TPE_SCHEMA: SettingsSchema = {
  ...RANDOM_STATE,
  n_startup_trials: nonNegativeInteger,
  n_ei_candidates: positiveInteger,
};

/** More candidates than this change nothing measurable and only cost time. */
const MAX_CANDIDATES = 100_000;

/** Reads the settings of `tpe` or `multivariate-tpe`, adding every problem to `issues`. */
export function collectTpeConfig(
  experiment: Experiment,
  algorithm: string,
  issues: Issues,
  overrides: Partial<TpeDefaults> = {},
): TpeConfig {
  const defaults = { ...TPE_DEFAULTS, ...overrides };
  const joint = algorithm === 'multivariate-tpe';
  const found = collectSettings(experiment, algorithm, joint ? MULTIVARIATE_TPE_SCHEMA : TPE_SCHEMA, issues);
  const number = (name: string, fallback: number): number => {
    const text = found.get(name);
    return text === undefined ? fallback : (parseDecimal(text) ?? fallback);
  };
  const multivariate = found.get('multivariate');
  return {
    gamma: number('gamma', defaults.gamma),
    priorWeight: number('prior_weight', defaults.priorWeight),
    candidates: Math.min(
      number(joint ? 'n_ei_candidates' : 'n_EI_candidates', defaults.candidates),
      MAX_CANDIDATES,
    ),
    startupTrials: number('n_startup_trials', defaults.startupTrials),
    multivariate: joint || (multivariate === undefined ? defaults.multivariate : multivariate === 'true'),
    randomState: found.get('random_state'),
    startupSampler: defaults.startupSampler,
    jointGoodBandwidth: defaults.jointGoodBandwidth,
  };
}
