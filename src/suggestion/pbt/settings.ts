import type { Experiment } from '../../api/experiment.js';
import type { Issues } from '../issues.js';
import { collectSettings, numberInRange, RANDOM_STATE, type SettingsSchema } from '../settings.js';
import { collectSearchSpace, type SearchSpace } from '../space/index.js';
import { parseDecimal } from '../space/numbers.js';

/** Katib's smallest population (its ValidateAlgorithmSettings: `n_population should be >= 5`). */
export const MIN_POPULATION = 5;

/**
 * Katib's PBT settings. Required as in Katib: `suggestion_trial_dir` (where trials keep their
 * checkpoints), `n_population` (whole number >= 5), `truncation_threshold` (in [0, 1]). Optional:
 * `resample_probability` (in [0, 1]; unset means explore perturbs by 0.8 or 1.2, set means each
 * value is redrawn with that probability), plus katib-ts's `random_state`.
 */
const SCHEMA: SettingsSchema = {
  ...RANDOM_STATE,
  suggestion_trial_dir: {
    check: (value) => (value.trim() === '' ? 'must name a folder' : undefined),
    required: true,
  },
  n_population: {
    check: (value) => {
      const x = parseDecimal(value);
      return x !== undefined && Number.isInteger(x) && x >= MIN_POPULATION && x <= 100_000
        ? undefined
        : `must be a whole number >= ${MIN_POPULATION} (Katib's rule) and <= 100000`;
    },
    required: true,
  },
  truncation_threshold: { ...numberInRange({ atLeast: 0, atMost: 1 }), required: true },
  resample_probability: numberInRange({ atLeast: 0, atMost: 1 }),
};

/** Everything one PBT request needs, settings read and checked. */
export interface PbtPlan {
  space: SearchSpace;
  population: number;
  truncation: number;
  /** Undefined: explore perturbs; a number: explore resamples each value with this probability. */
  resample: number | undefined;
  checkpointDir: string;
  randomState: string | undefined;
}

/**
 * Reads and checks the settings and the parameters, adding every problem to `issues`. A double
 * parameter needs a `step`: Katib's PBT draws and perturbs doubles on min..max by step (it fails
 * without one). Undefined when something is wrong.
 */
export function collectPlan(experiment: Experiment, issues: Issues): PbtPlan | undefined {
  const before = issues.list.length;
  const settings = collectSettings(experiment, 'pbt', SCHEMA, issues);
  const space = collectSearchSpace(experiment.spec.parameters, issues);
  const parameters = Array.isArray(experiment.spec.parameters) ? experiment.spec.parameters : [];
  parameters.forEach((p, i) => {
    if (p.parameterType === 'double' && (p.feasibleSpace?.step ?? '') === '') {
      issues.add(
        `spec.parameters[${i}].feasibleSpace.step`,
        p.feasibleSpace?.step ?? '',
        `is required for a double parameter with algorithm pbt (Katib's PBT samples and perturbs ${p.name} on min..max by step)`,
      );
    }
  });
  if (issues.list.length > before) return undefined;
  const resample = settings.get('resample_probability');
  return {
    space,
    population: Number(parseDecimal(settings.get('n_population')!)),
    truncation: Number(parseDecimal(settings.get('truncation_threshold')!)),
    resample: resample === undefined ? undefined : parseDecimal(resample),
    checkpointDir: settings.get('suggestion_trial_dir')!,
    randomState: settings.get('random_state'),
  };
}
