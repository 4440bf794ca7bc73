import type { IssueList } from './issues.js';
import { parseSection } from './parse-section.js';
import { countSchema } from './schema.js';

export interface Counts {
  parallelTrialCount: number;
  maxTrialCount?: number;
  maxFailedTrialCount?: number;
}

/** Katib's default parallelTrialCount. */
export const DEFAULT_PARALLEL_TRIAL_COUNT = 3;

/**
 * The trial budget, Katib's rules: maxTrialCount > 0 when set; parallelTrialCount > 0 and
 * <= maxTrialCount; maxFailedTrialCount >= 0 and <= maxTrialCount. The default parallelism is 3,
 * lowered to maxTrialCount when that is smaller: Katib's webhook would reject its own default
 * for `maxTrialCount: 1`, which helps nobody; only an explicit value is held to the rule.
 */
export function checkCounts(spec: Record<string, unknown>, issues: IssueList): Counts | undefined {
  const before = issues.errors.length;
  const read = (key: string): number | undefined =>
    spec[key] === undefined ? undefined : parseSection(countSchema, spec[key], `spec.${key}`, issues);
  const max = read('maxTrialCount');
  const parallel = read('parallelTrialCount');
  const maxFailed = read('maxFailedTrialCount');
  if (max !== undefined && max <= 0) issues.error('spec.maxTrialCount', max, 'must be greater than 0');
  if (parallel !== undefined && parallel <= 0)
    issues.error('spec.parallelTrialCount', parallel, 'must be greater than 0');
  if (maxFailed !== undefined && maxFailed < 0) {
    issues.error('spec.maxFailedTrialCount', maxFailed, 'must not be less than 0');
  }
  if (max !== undefined && max > 0) {
    if (parallel !== undefined && parallel > max) {
      issues.error('spec.parallelTrialCount', parallel, `must be <= spec.maxTrialCount (${max})`);
    }
    if (maxFailed !== undefined && maxFailed > max) {
      issues.error('spec.maxFailedTrialCount', maxFailed, `must be <= spec.maxTrialCount (${max})`);
    }
  }
  if (issues.errors.length > before) return undefined;
  const counts: Counts = {
    parallelTrialCount:
      parallel ?? Math.min(DEFAULT_PARALLEL_TRIAL_COUNT, max ?? DEFAULT_PARALLEL_TRIAL_COUNT),
  };
  if (max !== undefined) counts.maxTrialCount = max;
  if (maxFailed !== undefined) counts.maxFailedTrialCount = maxFailed;
  return counts;
}
