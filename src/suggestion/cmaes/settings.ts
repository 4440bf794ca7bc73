import type { Experiment } from '../../api/experiment.js';
import type { Issues } from '../issues.js';
import {
  collectSettings,
  nonNegativeInteger,
  numberInRange,
  oneOf,
  type SettingsSchema,
} from '../settings.js';
import type { SearchSpace } from '../space/index.js';

export const ALGORITHM = 'cmaes';

/** Optuna's and goptuna's default initial step: a sixth of each parameter's range. */
export const DEFAULT_SIGMA = 1 / 6;

export type RestartStrategy = 'none' | 'ipop' | 'bipop';

/** Katib's cmaes settings (its goptuna service): random_state, sigma, restart_strategy. */
const SCHEMA: SettingsSchema = {
  random_state: nonNegativeInteger,
  sigma: numberInRange({ above: 0 }),
  restart_strategy: oneOf(['none', 'ipop', 'bipop']),
};

export interface CmaesSettings {
  /** The initial step size, in the unit cube every numeric parameter is mapped to. */
  sigma: number;
  restartStrategy: RestartStrategy;
  randomState: string | undefined;
}

export function collectCmaesSettings(experiment: Experiment, issues: Issues): CmaesSettings {
  const found = collectSettings(experiment, ALGORITHM, SCHEMA, issues);
  const sigma = found.get('sigma');
  return {
    sigma: sigma === undefined ? DEFAULT_SIGMA : Number(sigma.trim()),
    restartStrategy: (found.get('restart_strategy') ?? 'none') as RestartStrategy,
    randomState: found.get('random_state'),
  };
}

/**
 * Katib's rule that CMA-ES needs a search space of two or more dimensions. Here int, double and
 * discrete parameters all count (they form the space CMA-ES adapts to); categorical parameters do
 * not (they are drawn at random, as Katib's goptuna service does).
 */
export function checkCmaesSpace(space: SearchSpace, issues: Issues): void {
  const numeric = space.params.filter((p) => p.kind !== 'categorical').length;
  if (space.params.length > 0 && numeric < 2) {
    issues.add(
      'spec.parameters',
      `${numeric} numeric parameter${numeric === 1 ? '' : 's'}`,
      'cmaes needs at least 2 int, double or discrete parameters (categorical ones do not count)',
    );
  }
}
