import type { Condition, Setting } from './experiment.js';
import type { ObservationMetric } from './observation.js';

export type TrialConditionType =
  | 'Created'
  | 'Running'
  | 'Succeeded'
  | 'Killed'
  | 'Failed'
  | 'MetricsUnavailable'
  | 'EarlyStopped';

/** Every trial condition type: setting one supersedes the others. */
export const TRIAL_CONDITION_TYPES: readonly TrialConditionType[] = [
  'Created',
  'Running',
  'Succeeded',
  'Killed',
  'Failed',
  'MetricsUnavailable',
  'EarlyStopped',
];

/** The conditions that end a trial; a trial in one of them is immutable. */
export const TERMINAL_TRIAL_CONDITIONS: readonly TrialConditionType[] = [
  'Succeeded',
  'Killed',
  'Failed',
  'MetricsUnavailable',
  'EarlyStopped',
];

export interface Trial {
  name: string;
  experimentName: string;
  parameterAssignments: Setting[];
  labels: Record<string, string>;
  /** Conditions in the order they happened; the last one with status True is the current one. */
  conditions: Condition<TrialConditionType>[];
  startTime?: string;
  completionTime?: string;
  observation?: { metrics: ObservationMetric[] };
  /**
   * Where the trial runs now (local runner: the process group id), so that a controller that
   * restarts after a crash can end a trial process its predecessor left behind.
   */
  runtime?: { pid?: number; host?: string; attempt: number };
}
