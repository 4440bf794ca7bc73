import { invalidArgument, KatibError } from '../api/errors.js';
import type { Experiment, ExperimentConditionType } from '../api/experiment.js';
import type { KatibBackend } from './backend.js';

export interface WaitOptions {
  /** Default 'Succeeded'. */
  expectedCondition?: ExperimentConditionType;
  /** Seconds; default 600, as Katib. */
  timeout?: number;
  /** Seconds between polls; default 15, as Katib. */
  pollingInterval?: number;
}

/** The experiment Failed while something else was awaited; `experiment` is its final state. */
export class ExperimentFailedError extends KatibError {
  readonly experiment: Experiment;
  constructor(experiment: Experiment) {
    const failed = experiment.status?.conditions.find((c) => c.type === 'Failed' && c.status === 'True');
    super(
      'failed_precondition',
      `experiment ${experiment.metadata.name} failed: ${failed?.reason ?? ''} ${failed?.message ?? ''}`.trimEnd(),
    );
    this.name = 'ExperimentFailedError';
    this.experiment = experiment;
  }
}

const CONDITIONS: readonly ExperimentConditionType[] = [
  'Created',
  'Running',
  'Restarting',
  'Succeeded',
  'Failed',
];

/** Polls `backend` until the condition holds (see KatibClient.waitForExperimentCondition). */
export async function waitForCondition(
  backend: KatibBackend,
  name: string,
  options: Required<WaitOptions>,
): Promise<Experiment> {
  const { expectedCondition: expected, timeout, pollingInterval: interval } = options;
  const deadline = Date.now() + timeout * 1000;
  let wake: (() => void) | undefined;
  // A change between a read and the wait must not be slept through.
  let changed = false;
  const unsubscribe = backend.onChange?.((experimentName) => {
    if (experimentName !== name) return;
    changed = true;
    wake?.();
  });
  try {
    for (;;) {
      changed = false;
      const experiment = await backend.getExperiment(name);
      const conditions = experiment.status?.conditions ?? [];
      const holds = (type: ExperimentConditionType) =>
        conditions.some((c) => c.type === type && c.status === 'True');
      if (holds(expected)) return experiment;
      if (holds('Failed')) throw new ExperimentFailedError(experiment);
      const left = deadline - Date.now();
      if (left <= 0) {
        const now = conditions.filter((c) => c.status === 'True').at(-1)?.type ?? 'no condition';
        throw new KatibError(
          'deadline_exceeded',
          `experiment ${name} did not reach ${expected} within ${timeout} s (it is ${now})`,
        );
      }
      if (changed) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(interval * 1000, left));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    unsubscribe?.();
  }
}

/** The options with Katib's defaults; invalid_argument naming a bad one. */
export function checkWaitOptions(options: unknown): Required<WaitOptions> {
  if (typeof options !== 'object' || options === null)
    throw invalidArgument('options', options, 'must be {expectedCondition?, timeout?, pollingInterval?}');
  const o = options as WaitOptions;
  for (const key of Object.keys(o))
    if (!['expectedCondition', 'timeout', 'pollingInterval'].includes(key))
      throw invalidArgument(
        key,
        (o as Record<string, unknown>)[key],
        'is not an option (expectedCondition, timeout, pollingInterval)',
      );
  const expectedCondition = o.expectedCondition ?? 'Succeeded';
  if (!CONDITIONS.includes(expectedCondition))
    throw invalidArgument('expectedCondition', expectedCondition, `must be one of ${CONDITIONS.join(', ')}`);
  return {
    expectedCondition,
    timeout: seconds(o.timeout, 'timeout', 600),
    pollingInterval: seconds(o.pollingInterval, 'pollingInterval', 15),
  };
}

function seconds(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw invalidArgument(field, value, 'must be a positive number of seconds');
  return value;
}
