import { randomInt } from 'node:crypto';
import type { Experiment, ExperimentSpec } from '../api/experiment.js';

/** The algorithms that take `random_state` (every built-in one but grid, which draws nothing). */
const SEEDED = new Set([
  'bayesianoptimization',
  'cmaes',
  'hyperband',
  'multivariate-tpe',
  'pbt',
  'random',
  'sobol',
  'tpe',
]);

/**
 * `experiment` with a `random_state` of its own when its algorithm takes one and it names none:
 * drawn once, here, when the experiment is stored (Katib seeds from the clock), and recorded in
 * its algorithmSettings, so two such experiments get different suggestions while a resumed one
 * continues the same sequence. Anything else is returned unchanged.
 */
export function withOwnSeed(experiment: Experiment): Experiment {
  const algorithm = experiment.spec.algorithm;
  if (!SEEDED.has(algorithm.algorithmName)) return experiment;
  if (algorithm.algorithmSettings.some((s) => s.name === 'random_state')) return experiment;
  const seed = String(randomInt(0, 2 ** 31 - 1));
  return {
    ...experiment,
    spec: {
      ...experiment.spec,
      algorithm: {
        ...algorithm,
        algorithmSettings: [...algorithm.algorithmSettings, { name: 'random_state', value: seed }],
      },
    },
  };
}

/**
 * `given` (the spec of a file run again) with the `random_state` the stored experiment drew for
 * itself (withOwnSeed) when the file names none, so that it compares equal to the stored spec.
 */
export function withStoredSeed(given: ExperimentSpec, stored: ExperimentSpec): ExperimentSpec {
  const settings = given.algorithm.algorithmSettings;
  if (settings.some((s) => s.name === 'random_state')) return given;
  const seed = stored.algorithm.algorithmSettings.find((s) => s.name === 'random_state');
  if (seed === undefined || stored.algorithm.algorithmName !== given.algorithm.algorithmName) return given;
  return { ...given, algorithm: { ...given.algorithm, algorithmSettings: [...settings, seed] } };
}
