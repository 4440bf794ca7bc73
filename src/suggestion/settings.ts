import type { Experiment } from '../api/experiment.js';
import { Issues } from './issues.js';
import { parseDecimal } from './space/numbers.js';

/** One algorithm setting an algorithm understands. */
export interface SettingSpec {
  /** The rule the value breaks (`must be a non-negative integer`), or undefined when it is fine. */
  check(value: string): string | undefined;
  required?: boolean;
}

/** Every setting an algorithm understands, by Katib's setting name. */
export type SettingsSchema = Readonly<Record<string, SettingSpec>>;

/**
 * Checks `spec.algorithm.algorithmSettings` against a schema, adding every problem to `issues`:
 * unknown names (listing the known ones), names given twice, values that break their rule,
 * required settings left out. Returns the settings that passed, by name.
 */
export function collectSettings(
  experiment: Experiment,
  algorithm: string,
  schema: SettingsSchema,
  issues: Issues,
): Map<string, string> {
  const field = 'spec.algorithm.algorithmSettings';
  const settings = experiment.spec.algorithm?.algorithmSettings ?? [];
  const known = Object.keys(schema);
  const found = new Map<string, string>();
  const seen = new Set<string>();
  settings.forEach((setting, i) => {
    const spec = Object.hasOwn(schema, setting.name) ? schema[setting.name] : undefined;
    if (spec === undefined) {
      const list = known.length === 0 ? 'it takes no settings' : `known: ${known.join(', ')}`;
      issues.add(`${field}[${i}].name`, setting.name, `is not a setting of algorithm ${algorithm} (${list})`);
      return;
    }
    if (seen.has(setting.name)) {
      issues.add(`${field}[${i}].name`, setting.name, 'is set more than once');
      return;
    }
    seen.add(setting.name);
    const rule = typeof setting.value === 'string' ? spec.check(setting.value) : 'must be a string';
    if (rule !== undefined)
      issues.add(`${field}[${i}].value`, setting.value, `is not a valid ${setting.name}: ${rule}`);
    else found.set(setting.name, setting.value);
  });
  for (const [name, spec] of Object.entries(schema)) {
    if (spec.required === true && !seen.has(name))
      issues.add(field, name, `is required by algorithm ${algorithm}`);
  }
  return found;
}

/** collectSettings that throws one `invalid_argument` KatibError listing every problem. */
export function readSettings(
  experiment: Experiment,
  algorithm: string,
  schema: SettingsSchema,
): Map<string, string> {
  const issues = new Issues();
  const found = collectSettings(experiment, algorithm, schema, issues);
  issues.throwIfAny();
  return found;
}

/** Rule: a non-negative integer of any size (Katib: `int(value) >= 0`). */
export const nonNegativeInteger: SettingSpec = {
  check: (value) => (/^\s*\+?\d+\s*$/.test(value) ? undefined : 'must be a non-negative integer'),
};

/** Rule: a whole number >= 1. */
export const positiveInteger: SettingSpec = {
  check: (value) =>
    /^\s*\+?\d+\s*$/.test(value) && /[1-9]/.test(value) ? undefined : 'must be an integer >= 1',
};

/** Rule: a number inside a range; open ends exclude the bound. */
export function numberInRange(range: {
  above?: number;
  atLeast?: number;
  below?: number;
  atMost?: number;
}): SettingSpec {
  const parts: string[] = [];
  if (range.above !== undefined) parts.push(`> ${range.above}`);
  if (range.atLeast !== undefined) parts.push(`>= ${range.atLeast}`);
  if (range.below !== undefined) parts.push(`< ${range.below}`);
  if (range.atMost !== undefined) parts.push(`<= ${range.atMost}`);
  const rule = parts.length === 0 ? 'must be a number' : `must be a number ${parts.join(' and ')}`;
  return {
    check: (value) => {
      const x = parseDecimal(value);
      if (x === undefined) return rule;
      if (range.above !== undefined && !(x > range.above)) return rule;
      if (range.atLeast !== undefined && !(x >= range.atLeast)) return rule;
      if (range.below !== undefined && !(x < range.below)) return rule;
      if (range.atMost !== undefined && !(x <= range.atMost)) return rule;
      return undefined;
    },
  };
}

/** Rule: one of a fixed set of words. */
export function oneOf(words: readonly string[]): SettingSpec {
  return { check: (value) => (words.includes(value) ? undefined : `must be one of ${words.join(', ')}`) };
}

/** `random_state`, which every seeded algorithm takes. */
export const RANDOM_STATE: SettingsSchema = { random_state: nonNegativeInteger };
