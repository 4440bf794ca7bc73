import type { AlgorithmSpec } from '../api/experiment.js';
import type { IssueList } from './issues.js';
import { parseSection } from './parse-section.js';
import { algorithmSchema } from './schema.js';

/**
 * `spec.algorithm` (required) or `spec.earlyStopping` (optional): algorithmName set and, when
 * the caller knows which algorithms exist, one of them; setting names unique. The settings'
 * values are the algorithm's business (Suggester.validateSettings).
 */
export function checkAlgorithm(
  raw: unknown,
  path: 'spec.algorithm' | 'spec.earlyStopping',
  known: readonly string[] | undefined,
  issues: IssueList,
): AlgorithmSpec | undefined {
  if (raw === undefined) {
    if (path === 'spec.algorithm') issues.error(path, undefined, 'is required (e.g. algorithmName: random)');
    return undefined;
  }
  const a = parseSection(algorithmSchema, raw, path, issues);
  if (a === undefined) return undefined;
  const before = issues.errors.length;
  if (known !== undefined && !known.includes(a.algorithmName)) {
    const what = path === 'spec.algorithm' ? 'search algorithm' : 'early stopping algorithm';
    issues.error(
      `${path}.algorithmName`,
      a.algorithmName,
      `is not a known ${what} (known: ${known.join(', ')})`,
    );
  }
  const settings = a.algorithmSettings ?? [];
  const firstIndex = new Map<string, number>();
  settings.forEach((s, i) => {
    const first = firstIndex.get(s.name);
    if (first === undefined) firstIndex.set(s.name, i);
    else
      issues.error(
        `${path}.algorithmSettings[${i}].name`,
        s.name,
        `repeats ${path}.algorithmSettings[${first}].name`,
      );
  });
  if (issues.errors.length > before) return undefined;
  return {
    algorithmName: a.algorithmName,
    algorithmSettings: settings.map((s) => ({ name: s.name, value: s.value })),
  };
}
