import type { ExperimentSummary } from '../wire.js';

/**
 * The trials table's heading for the objective column: the metric and which of its values the
 * column shows, the one the experiment compares (`loss (min)`, `accuracy (max)`, `loss (latest)`
 * with metricStrategies latest).
 */
export function objectiveLabel(objective: ExperimentSummary['objective']): string {
  return `${objective.metric} (${objective.strategy ?? (objective.type === 'minimize' ? 'min' : 'max')})`;
}
