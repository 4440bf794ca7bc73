import { invalidArgument, KatibError } from '../api/errors.js';
import type { EarlyStoppingSpec } from '../api/experiment.js';

/** A setting's rule: the rule `value` breaks (`must be an integer >= 1`), or undefined when it is fine. */
export type SettingCheck = (value: string) => string | undefined;

const FIELD = 'spec.earlyStopping.algorithmSettings';

/**
 * Reads `spec.earlyStopping.algorithmSettings` against the checks of one algorithm. Throws one
 * `invalid_argument` KatibError naming every problem (unknown names with the known ones, names
 * given twice, values that break their rule); returns the settings by name otherwise.
 */
export function readSettings(
  spec: EarlyStoppingSpec | undefined,
  algorithm: string,
  checks: Readonly<Record<string, SettingCheck>>,
): Map<string, string> {
  const problems: KatibError[] = [];
  const found = new Map<string, string>();
  const seen = new Set<string>();
  const known = Object.keys(checks).join(', ');
  (spec?.algorithmSettings ?? []).forEach((setting, i) => {
    const check = Object.hasOwn(checks, setting.name) ? checks[setting.name] : undefined;
    if (check === undefined) {
      problems.push(
        invalidArgument(
          `${FIELD}[${i}].name`,
          setting.name,
          `is not a setting of ${algorithm} (known: ${known})`,
        ),
      );
    } else if (seen.has(setting.name)) {
      problems.push(invalidArgument(`${FIELD}[${i}].name`, setting.name, 'is set more than once'));
    } else {
      seen.add(setting.name);
      const rule = typeof setting.value === 'string' ? check(setting.value) : 'must be a string';
      if (rule === undefined) found.set(setting.name, setting.value);
      else
        problems.push(
          invalidArgument(`${FIELD}[${i}].value`, setting.value, `is not a valid ${setting.name}: ${rule}`),
        );
    }
  });
  const [first] = problems;
  if (first === undefined) return found;
  if (problems.length === 1) throw first;
  throw new KatibError('invalid_argument', problems.map((p) => p.message).join('; '), { field: first.field });
}

/** Rule: a whole number >= `least` (Katib reads these settings with Python's int()). */
export function wholeNumberAtLeast(least: number): SettingCheck {
  return (value) => {
    const text = value.trim();
    return /^\+?\d{1,15}$/.test(text) && Number(text) >= least
      ? undefined
      : `must be a whole number >= ${least}`;
  };
}
