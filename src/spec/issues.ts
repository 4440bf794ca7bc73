import { KatibError, showValue } from '../api/errors.js';

/** One problem (or warning) found in an Experiment: where, what value, which rule. */
export interface SpecIssue {
  /** Field path as Katib users write it: `spec.parameters[1].feasibleSpace.min`. */
  path: string;
  /** The offending value; `undefined` when the field is missing. */
  value: unknown;
  /** The rule, phrased to follow the value: `must be <= feasibleSpace.max ("1")`. */
  rule: string;
}

/** `spec.parameters[1].feasibleSpace.min: "abc" must be a number`; a missing value reads `path: is required`. */
export function formatIssue(issue: SpecIssue): string {
  if (issue.value === undefined) return `${issue.path}: ${issue.rule}`;
  return `${issue.path}: ${showValue(issue.value)} ${issue.rule}`;
}

/**
 * Every problem found in one input, reported at once. A KatibError `invalid_argument` whose
 * message lists the problems one per line; `field` is the first problem's path.
 */
export class SpecValidationError extends KatibError {
  readonly issues: readonly SpecIssue[];
  readonly warnings: readonly SpecIssue[];

  constructor(what: string, issues: readonly SpecIssue[], warnings: readonly SpecIssue[] = []) {
    const n = issues.length;
    const header = `${what}: ${n} problem${n === 1 ? '' : 's'}`;
    super('invalid_argument', [header, ...issues.map((i) => `  ${formatIssue(i)}`)].join('\n'), {
      field: issues[0]?.path,
    });
    this.name = 'SpecValidationError';
    this.issues = issues;
    this.warnings = warnings;
  }
}

/** Collects problems and warnings while a check runs; one instance per check, never shared. */
export class IssueList {
  readonly errors: SpecIssue[] = [];
  readonly warnings: SpecIssue[] = [];

  error(path: string, value: unknown, rule: string): void {
    this.errors.push({ path, value, rule });
  }

  warn(path: string, value: unknown, rule: string): void {
    this.warnings.push({ path, value, rule });
  }

  /** Throws a SpecValidationError when any problem was found. */
  throwIfAny(what: string): void {
    if (this.errors.length > 0) throw new SpecValidationError(what, this.errors, this.warnings);
  }
}

/** Appends a key or index to a field path the way Katib prints it. */
export function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/** Joins a zod-style path (keys and indexes) onto a base path. */
export function joinPath(base: string, keys: readonly PropertyKey[]): string {
  let path = base;
  for (const key of keys) path = child(path, typeof key === 'number' ? key : String(key));
  return path;
}
