import type { Setting } from '../../api/experiment.js';
import type { Trial } from '../../api/trial.js';
import { Issues } from '../issues.js';
import { formatValue } from './format.js';
import { parseDecimal } from './numbers.js';
import { indexOfValue } from './steps.js';
import type { Param, Point, SearchSpace, Value } from './types.js';

/**
 * The typed value of an assignment string, or a rule it breaks. Accepts what Katib and other
 * tools write (`3`, `3.0` for an int; `1e-05`, `0.1`; a discrete value in any decimal spelling
 * of a list entry); rejects values outside the feasible space or off the step.
 */
export function parseValue(param: Param, text: string): { value: Value } | { rule: string } {
  if (param.kind === 'categorical') {
    return param.list.includes(text)
      ? { value: text }
      : { rule: `is not in the list of parameter ${param.name}` };
  }
  const x = parseDecimal(text);
  if (x === undefined) return { rule: `is not a number (parameter ${param.name})` };
  if (param.kind === 'discrete') {
    return param.values.includes(x)
      ? { value: x }
      : { rule: `is not in the list of parameter ${param.name}` };
  }
  if (param.kind === 'int' && !Number.isInteger(x))
    return { rule: `is not an integer (parameter ${param.name})` };
  if (x < param.min || x > param.max) {
    return { rule: `is outside [${param.min}, ${param.max}] of parameter ${param.name}` };
  }
  if (param.step !== undefined && indexOfValue(param, x) < 0) {
    return { rule: `is not on the step ${param.step} from ${param.min} of parameter ${param.name}` };
  }
  return { value: x };
}

/**
 * The point that assignments denote; throws one `invalid_argument` naming every bad entry
 * (`<field>[j].value`) and every parameter left out. Names not in the space are ignored.
 */
export function parseAssignments(space: SearchSpace, assignments: readonly Setting[], field: string): Point {
  const issues = new Issues();
  const point = collectPoint(space, assignments, field, issues);
  issues.throwIfAny();
  return point;
}

/** Like parseAssignments, but undefined instead of an error (for history that may not fit). */
export function tryParseAssignments(space: SearchSpace, assignments: readonly Setting[]): Point | undefined {
  const issues = new Issues();
  const point = collectPoint(space, assignments, '', issues);
  return issues.empty ? point : undefined;
}

/** Every trial's point, in history order; undefined for a trial whose assignments do not fit. */
export function historyPoints(space: SearchSpace, trials: readonly Trial[]): (Point | undefined)[] {
  return trials.map((trial) => tryParseAssignments(space, trial.parameterAssignments));
}

function collectPoint(
  space: SearchSpace,
  assignments: readonly Setting[],
  field: string,
  issues: Issues,
): Point {
  const point: Value[] = new Array(space.params.length);
  space.params.forEach((param, p) => {
    const at = assignments.findIndex((a) => a.name === param.name);
    if (at < 0) {
      issues.add(field, param.name, 'is a parameter with no assignment');
      return;
    }
    if (assignments.findIndex((a, j) => j > at && a.name === param.name) >= 0) {
      issues.add(field, param.name, 'is a parameter assigned more than once');
    }
    const parsed = parseValue(param, assignments[at]!.value);
    if ('rule' in parsed) issues.add(`${field}[${at}].value`, assignments[at]!.value, parsed.rule);
    else point[p] = parsed.value;
  });
  return point;
}

/** A canonical key of a point: equal keys mean the same assignments. */
export function pointKey(space: SearchSpace, point: Point): string {
  return JSON.stringify(space.params.map((param, i) => formatValue(param, point[i]!)));
}

/**
 * The key of assignments as pointKey would give for their point, so `0.30` and `0.3` match.
 * Assignments that do not fit the space get a key no feasible point has.
 */
export function assignmentsKey(space: SearchSpace, assignments: readonly Setting[]): string {
  const point = tryParseAssignments(space, assignments);
  if (point !== undefined) return pointKey(space, point);
  return `!${JSON.stringify(assignments.map((a) => [a.name, a.value]))}`;
}
