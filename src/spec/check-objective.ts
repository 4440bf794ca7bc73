import type { MetricStrategy, ObjectiveSpec, ObjectiveType } from '../api/experiment.js';
import type { MetricStrategyValue } from '../api/observation.js';
import type { IssueList } from './issues.js';
import { parseSection } from './parse-section.js';
import { OBJECTIVE_TYPES, objectiveSchema } from './schema.js';

const PATH = 'spec.objective';

/**
 * `spec.objective`: type and objectiveMetricName required; additionalMetricNames repeat neither
 * the objective nor each other; metricStrategies name known metrics, once each. Defaults fill one
 * strategy per metric, objective first: min when minimizing, max when maximizing; `latest` for
 * additional metrics (they are recorded, not optimized; the newest value is what a user expects
 * to see).
 */
export function checkObjective(raw: unknown, issues: IssueList): ObjectiveSpec | undefined {
  if (raw === undefined) {
    issues.error(PATH, undefined, 'is required');
    return undefined;
  }
  const o = parseSection(objectiveSchema, raw, PATH, issues);
  if (o === undefined) return undefined;
  const before = issues.errors.length;
  const type = o.type as ObjectiveType;
  if (!(OBJECTIVE_TYPES as readonly string[]).includes(type)) {
    issues.error(`${PATH}.type`, o.type, `must be one of ${OBJECTIVE_TYPES.join(', ')}`);
  }
  const additional = o.additionalMetricNames ?? [];
  const firstIndex = new Map<string, number>();
  additional.forEach((name, i) => {
    const at = `${PATH}.additionalMetricNames[${i}]`;
    if (name === '') issues.error(at, name, 'must not be empty');
    else if (name === o.objectiveMetricName) {
      issues.error(at, name, `must not repeat ${PATH}.objectiveMetricName`);
    } else if (firstIndex.has(name)) {
      issues.error(at, name, `repeats ${PATH}.additionalMetricNames[${firstIndex.get(name)}]`);
    } else firstIndex.set(name, i);
  });
  const metrics = [o.objectiveMetricName, ...additional];
  const explicit = new Map<string, MetricStrategyValue>();
  (o.metricStrategies ?? []).forEach((s, i) => {
    const at = `${PATH}.metricStrategies[${i}].name`;
    if (!metrics.includes(s.name)) {
      issues.error(at, s.name, `is not a metric of this objective (metrics: ${metrics.join(', ')})`);
    } else if (explicit.has(s.name)) {
      issues.error(at, s.name, 'has a strategy already: one strategy per metric');
    } else explicit.set(s.name, s.value);
  });
  if (issues.errors.length > before) return undefined;
  const objectiveDefault: MetricStrategyValue = type === 'minimize' ? 'min' : 'max';
  const metricStrategies: MetricStrategy[] = [
    { name: o.objectiveMetricName, value: explicit.get(o.objectiveMetricName) ?? objectiveDefault },
    ...additional.map((name) => ({ name, value: explicit.get(name) ?? ('latest' as const) })),
  ];
  const spec: ObjectiveSpec = {
    type,
    objectiveMetricName: o.objectiveMetricName,
    additionalMetricNames: [...additional],
    metricStrategies,
  };
  if (o.goal !== undefined) spec.goal = o.goal;
  return spec;
}
