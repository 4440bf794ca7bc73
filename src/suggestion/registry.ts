import { KatibError } from '../api/errors.js';
import { CmaesSuggester } from './cmaes/index.js';
import { BayesianOptimizationSuggester } from './gp/index.js';
import { GridSuggester } from './grid.js';
import { HyperbandSuggester } from './hyperband/index.js';
import { PbtSuggester } from './pbt/index.js';
import { RandomSuggester } from './random.js';
import { SobolSuggester } from './sobol/index.js';
import type { Suggester, SuggesterFactory } from './suggester.js';
import { TpeSuggester } from './tpe/index.js';

/** Every algorithm by its Katib `algorithmName`. A new algorithm is one line here. */
const FACTORIES: Readonly<Record<string, SuggesterFactory>> = Object.freeze({
  bayesianoptimization: () => new BayesianOptimizationSuggester(),
  cmaes: () => new CmaesSuggester(),
  grid: () => new GridSuggester(),
  hyperband: () => new HyperbandSuggester(),
  'multivariate-tpe': () => new TpeSuggester('multivariate-tpe'),
  pbt: () => new PbtSuggester(),
  random: () => new RandomSuggester(),
  sobol: () => new SobolSuggester(),
  tpe: () => new TpeSuggester('tpe'),
});

/** The algorithm names getSuggester accepts, sorted. */
export function knownAlgorithms(): string[] {
  return Object.keys(FACTORIES).sort();
}

/** A suggester for `spec.algorithm.algorithmName`; unknown names are `invalid_argument`. */
export function getSuggester(name: string): Suggester {
  const factory = Object.hasOwn(FACTORIES, name) ? FACTORIES[name] : undefined;
  if (factory === undefined) {
    throw new KatibError(
      'invalid_argument',
      `spec.algorithm.algorithmName: ${JSON.stringify(name)} is not a known algorithm (known: ${knownAlgorithms().join(', ')})`,
      { field: 'spec.algorithm.algorithmName' },
    );
  }
  return factory();
}
