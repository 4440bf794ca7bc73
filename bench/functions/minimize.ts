import { createStudy } from '../../src/suggestion/study.js';
import type { Suggester } from '../../src/suggestion/suggester.js';
import type { BenchFunction } from './types.js';

export interface RunOptions {
  algorithm: string;
  /** Katib settings; `random_state` is set from `seed`. */
  settings?: Readonly<Record<string, string | number>>;
  /** A suggester instance instead of the registry's (for tuning). */
  suggester?: Suggester;
  trials: number;
  seed: number;
}

/**
 * Minimises `fn` with one algorithm, one trial at a time (ask one, evaluate, tell), and
 * returns the regret of the best value found: best - optimum. Stops early when a finite space
 * is used up.
 */
export function minimize(fn: BenchFunction, options: RunOptions): number {
  const study = createStudy({
    parameters: fn.parameters,
    objective: 'minimize',
    algorithm: { name: options.algorithm, settings: { ...options.settings, random_state: options.seed } },
    name: `${fn.name}-${options.seed}`,
    ...(options.suggester === undefined ? {} : { suggester: options.suggester }),
  });
  for (let i = 0; i < options.trials; i++) {
    const [trial] = study.ask(1);
    if (trial === undefined) break;
    study.tell(trial, fn.evaluate(trial.values));
  }
  const best = study.best();
  return best === undefined ? Number.NaN : best.value - fn.optimum;
}
