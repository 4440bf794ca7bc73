import type { Experiment } from '../../api/experiment.js';
import type { Issues } from '../issues.js';
import {
  collectSettings,
  nonNegativeInteger,
  numberInRange,
  positiveInteger,
  RANDOM_STATE,
  type SettingsSchema,
} from '../settings.js';
import { parseDecimal } from '../space/numbers.js';

/** Everything one TPE variant needs, settings read and defaults applied. */
export interface TpeConfig {
  gamma: number;
  priorWeight: number;
  candidates: number;
  startupTrials: number;
  multivariate: boolean;
  randomState: string | undefined;
  /** How the first suggestions are drawn: independent random draws, or a scrambled Sobol sequence. */
  startupSampler: 'random' | 'sobol';
  /** Weights of the good group: by age (linear forgetting) or by rank (the best weighs most). */
  goodWeighting: 'age' | 'rank';
}

export type TpeDefaults = Omit<TpeConfig, 'randomState' | 'multivariate'>;

/** Defaults tuned on bench/algorithms.ts (see docs/ask-and-tell.md for the figures). */
export const TPE_DEFAULTS: Readonly<TpeDefaults> = Object.freeze({
  gamma: 0.1,
  priorWeight: 1,
  candidates: 24,
  startupTrials: 10,
  startupSampler: 'random',
  goodWeighting: 'age',
});

/** Katib's `tpe` settings (hyperopt's names) plus n_startup_trials. */
export const TPE_SCHEMA: SettingsSchema = {
  ...RANDOM_STATE,
  gamma: numberInRange({ above: 0, below: 1 }),
  prior_weight: numberInRange({ above: 0 }),
  n_EI_candidates: positiveInteger,
  n_startup_trials: nonNegativeInteger,
};

/** Katib's `multivariate-tpe` settings (Optuna's names). */
export const MULTIVARIATE_TPE_SCHEMA: SettingsSchema = {
  ...RANDOM_STATE,
  n_startup_trials: nonNegativeInteger,
  n_ei_candidates: positiveInteger,
};

/** Reads the settings of `tpe` or `multivariate-tpe`, adding every problem to `issues`. */
export function collectTpeConfig(
  experiment: Experiment,
  algorithm: string,
  issues: Issues,
  overrides: Partial<TpeDefaults> = {},
): TpeConfig {
  const defaults = { ...TPE_DEFAULTS, ...overrides };
  const multivariate = algorithm === 'multivariate-tpe';
  const schema = multivariate ? MULTIVARIATE_TPE_SCHEMA : TPE_SCHEMA;
  const found = collectSettings(experiment, algorithm, schema, issues);
  const number = (name: string, fallback: number): number => {
    const text = found.get(name);
    return text === undefined ? fallback : (parseDecimal(text) ?? fallback);
  };
  return {
    gamma: number('gamma', defaults.gamma),
    priorWeight: number('prior_weight', defaults.priorWeight),
    candidates: Math.min(
      number(multivariate ? 'n_ei_candidates' : 'n_EI_candidates', defaults.candidates),
      MAX_CANDIDATES,
    ),
    startupTrials: number('n_startup_trials', defaults.startupTrials),
    multivariate,
    randomState: found.get('random_state'),
    startupSampler: defaults.startupSampler,
    goodWeighting: defaults.goodWeighting,
  };
}

/** More candidates than this change nothing measurable and only cost time. */
const MAX_CANDIDATES = 100_000;
