import type { Experiment } from '../../api/experiment.js';
import type { Issues } from '../issues.js';
import { collectSettings, nonNegativeInteger, oneOf, type SettingsSchema } from '../settings.js';
import type { AcquisitionName } from './acquisition.js';

export const ALGORITHM = 'bayesianoptimization';

/**
 * Katib's bayesianoptimization settings (its scikit-optimize service) and their defaults:
 * base_estimator GP, n_initial_points 10, acq_func gp_hedge, acq_optimizer auto, random_state.
 * Katib also accepts the estimators RF, ET and GBRT and the acquisitions EIps and PIps (which need
 * trial durations); katib-ts has a Gaussian process only, so those are refused with the rule.
 */
const SCHEMA: SettingsSchema = {
  base_estimator: {
    check: (v) =>
      v === 'GP'
        ? undefined
        : 'must be GP (the only base estimator katib-ts implements; RF, ET and GBRT are not)',
  },
  n_initial_points: nonNegativeInteger,
  acq_func: oneOf(['gp_hedge', 'LCB', 'EI', 'PI']),
  acq_optimizer: oneOf(['auto', 'sampling', 'lbfgs']),
  random_state: nonNegativeInteger,
};

export interface BayesOptSettings {
  initialPoints: number;
  acquisition: AcquisitionName | 'gp_hedge';
  /**
   * Whether the best candidates are refined by L-BFGS on the acquisition. `sampling`: never
   * (the best of the candidate pool wins); `lbfgs` and `auto`: whenever some parameter is numeric
   * (scikit-optimize's `auto` falls back to sampling for integer and categorical dimensions
   * because its optimiser cannot handle them; here ints and steps are refined as real numbers and
   * rounded after, with categories held fixed, so `auto` always refines what it can).
   */
  refine: boolean;
  randomState: string | undefined;
}

export function collectBayesOptSettings(experiment: Experiment, issues: Issues): BayesOptSettings {
  const found = collectSettings(experiment, ALGORITHM, SCHEMA, issues);
  const initial = found.get('n_initial_points');
  return {
    // Whole numbers beyond 2^53 pass the rule; any number that large means "all random".
    initialPoints: initial === undefined ? 10 : Math.min(Number(initial.trim()), Number.MAX_SAFE_INTEGER),
    acquisition: (found.get('acq_func') ?? 'gp_hedge') as BayesOptSettings['acquisition'],
    refine: (found.get('acq_optimizer') ?? 'auto') !== 'sampling',
    randomState: found.get('random_state'),
  };
}
