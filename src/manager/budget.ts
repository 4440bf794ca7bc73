import { currentCondition } from '../api/conditions.js';
import { invalidArgument, KatibError } from '../api/errors.js';
import type { Experiment, ExperimentSpec } from '../api/experiment.js';
import { parseExperiment, SpecValidationError } from '../spec/index.js';

/** The part of an experiment's spec that Katib lets users edit: its trial budget. */
export interface Budget {
  maxTrialCount?: number;
  parallelTrialCount?: number;
  maxFailedTrialCount?: number;
}

const BUDGET_FIELDS = ['maxTrialCount', 'parallelTrialCount', 'maxFailedTrialCount'] as const;

/**
 * The experiment's spec with `budget` applied, checked by Katib's rules (integers; maxTrialCount
 * and parallelTrialCount > 0, maxFailedTrialCount >= 0, neither above maxTrialCount). Throws
 * invalid_argument naming the field; changes nothing.
 */
export function checkBudget(experiment: Experiment, budget: Budget): ExperimentSpec {
  if (typeof budget !== 'object' || budget === null)
    throw invalidArgument(
      'budget',
      budget,
      'must be {maxTrialCount?, parallelTrialCount?, maxFailedTrialCount?}',
    );
  for (const key of Object.keys(budget)) {
    if (!(BUDGET_FIELDS as readonly string[]).includes(key))
      throw invalidArgument(
        key,
        (budget as Record<string, unknown>)[key],
        `is not part of the budget (${BUDGET_FIELDS.join(', ')})`,
      );
  }
  const given = BUDGET_FIELDS.filter((k) => budget[k] !== undefined);
  if (given.length === 0)
    throw invalidArgument(
      'budget',
      budget,
      `changes nothing: give ${BUDGET_FIELDS.join(', ')} or some of them`,
    );
  for (const key of given) {
    const v = budget[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v))
      throw invalidArgument(key, v, 'must be an integer (a number, not a string)');
  }
  const spec: ExperimentSpec = { ...experiment.spec };
  for (const key of given) spec[key] = budget[key] as number;
  try {
    parseExperiment({
      apiVersion: experiment.apiVersion,
      kind: experiment.kind,
      metadata: { name: experiment.metadata.name },
      spec,
    });
  } catch (err) {
    if (err instanceof SpecValidationError) {
      const first = err.issues[0];
      const message = err.message.replace(/^[^\n]*\n\s*/, '').replace(/spec\./g, '');
      throw new KatibError('invalid_argument', message, { field: first?.path.replace(/^spec\./, '') });
    }
    throw err;
  }
  return spec;
}

/**
 * Katib restarts a finished experiment with a new budget only when it Succeeded by reaching
 * maxTrialCount and its resumePolicy keeps it resumable (LongRunning or FromVolume); anything
 * else is `failed_precondition`.
 */
export function resumableWithBudget(experiment: Experiment): void {
  const state = currentCondition(experiment.status?.conditions ?? []);
  const resumable =
    state?.type === 'Succeeded' &&
    state.reason === 'ExperimentMaxTrialsReached' &&
    experiment.spec.resumePolicy !== 'Never';
  if (!resumable) {
    throw new KatibError(
      'failed_precondition',
      `experiment ${JSON.stringify(experiment.metadata.name)} has finished (${state?.type ?? 'unknown'}: ${state?.reason ?? ''}); ` +
        'only an experiment that Succeeded by reaching maxTrialCount, with resumePolicy LongRunning or FromVolume, can resume with a new budget',
    );
  }
}
