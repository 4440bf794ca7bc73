/**
 * `tune()`'s options as Katib's SDK has them, camelCased, and their type checks (a zod schema):
 * each wrong option is an `invalid_argument` KatibError naming the option (`maxTrialCount: "5"
 * must be an integer`), before anything is built or stored. Rules that relate options to each other (budget,
 * names) are Katib's, checked by the spec parser and reported under the option names too.
 */
import { z } from 'zod';
import { invalidArgument, type KatibError } from '../api/errors.js';
import type { ObjectiveType } from '../api/experiment.js';
import type { ParameterValues, SearchSpace } from './search.js';

/** What a function objective may return: one number (the objective metric), a record of metrics, or nothing. */
// biome-ignore lint/suspicious/noConfusingVoidType: a function body without `return` has type void, and must be accepted.
export type ObjectiveResult = number | Readonly<Record<string, number | string>> | undefined | void;

/**
 * The code each trial runs, in its own process:
 * - a function `(params) => result`: serialised from its source, so it may only use its
 *   parameter, globals and what it imports inside itself (`await import('pkg')`); see docs/sdk.md;
 * - `{module, export}`: a module file (relative to the calling file, absolute, or a file: URL)
 *   whose export (default `default`) is such a function;
 * - a command (`['python3', 'train.py', '--lr=${trialParameters.lr}']`): parameters no word
 *   names are appended as `--NAME=VALUE`.
 */
export type Objective<P extends Record<string, SearchSpace>> =
  | ((params: ParameterValues<P>) => ObjectiveResult | Promise<ObjectiveResult>)
  | { module: string | URL; export?: string }
  | readonly string[];

/** How metrics reach katib-ts: pushed by the trial, or collected from its output. */
export type MetricsCollectorConfig =
  | { kind: 'Push' }
  | { kind: 'StdOut'; metricsFormat?: readonly string[] }
  | {
      kind: 'File';
      /** Default `metrics.log`, relative to each trial's folder. */
      path?: string;
      format?: 'TEXT' | 'JSON';
      metricsFormat?: readonly string[];
    };

export interface TuneOptions<P extends Record<string, SearchSpace> = Record<string, SearchSpace>> {
  /** The experiment's name: lower case letters, digits and '-', at most 40 characters. */
  name: string;
  objective: Objective<P>;
  /** Parameter name -> search space (see `search`). */
  parameters: P;
  objectiveMetricName: string;
  additionalMetricNames?: readonly string[];
  /** Default 'maximize', as Katib's. */
  objectiveType?: ObjectiveType;
  objectiveGoal?: number;
  /** Default 'random'. */
  algorithmName?: string;
  algorithmSettings?: Readonly<Record<string, string | number | boolean>>;
  maxTrialCount?: number;
  /** Default 3 (at most maxTrialCount). */
  parallelTrialCount?: number;
  maxFailedTrialCount?: number;
  /** Extra environment variables of every trial. */
  envPerTrial?: Readonly<Record<string, string>>;
  retainTrials?: boolean;
  /** Default `{kind: 'StdOut'}`, as Katib's. */
  metricsCollectorConfig?: MetricsCollectorConfig;
}

export const TUNE_OPTIONS = [
  'name',
  'objective',
  'parameters',
  'objectiveMetricName',
  'additionalMetricNames',
  'objectiveType',
  'objectiveGoal',
  'algorithmName',
  'algorithmSettings',
  'maxTrialCount',
  'parallelTrialCount',
  'maxFailedTrialCount',
  'envPerTrial',
  'retainTrials',
  'metricsCollectorConfig',
] as const;

const COLLECTOR_OPTIONS: Record<string, readonly string[]> = {
  Push: ['kind'],
  StdOut: ['kind', 'metricsFormat'],
  File: ['kind', 'path', 'format', 'metricsFormat'],
};

/** Parameter names become placeholders and environment references: kept to a safe alphabet. */
const PARAMETER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

const SEARCH_SPACE_RULE =
  'must be a search space (search.int, search.double, search.categorical, search.discrete)';
const NON_EMPTY = 'must be a non-empty string';
const INTEGER = 'must be an integer (a number, not a string)';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An object (not a list, not null): the rule names what it should hold. */
const object = (rule: string) => z.custom<Record<string, unknown>>(isObject, { error: rule });
const text = z.string({ error: NON_EMPTY }).min(1, { error: NON_EMPTY });
const stringList = z.array(z.string({ error: 'must be a string' }), { error: 'must be a list of strings' });
const integer = z.number({ error: INTEGER }).refine(Number.isSafeInteger, { error: INTEGER });

const searchSpace = z.custom<SearchSpace>(
  (s) => isObject(s) && typeof s.parameterType === 'string' && isObject(s.feasibleSpace),
  { error: SEARCH_SPACE_RULE },
);

/** Each rule's words are the error's: `field: value rule` (see toKatibError). */
const collectorSchema = object("must be {kind: 'StdOut' | 'Push' | 'File', ...}").pipe(
  z
    .object({
      kind: z.enum(['StdOut', 'Push', 'File'], { error: 'must be "StdOut", "Push" or "File"' }),
      metricsFormat: stringList.optional(),
      path: text.optional(),
      format: z.enum(['TEXT', 'JSON'], { error: 'must be "TEXT" or "JSON"' }).optional(),
    })
    .loose()
    .superRefine((c, ctx) => {
      // Unknown keys for this kind, checked once the kind is known (see toKatibError).
      const allowed = COLLECTOR_OPTIONS[c.kind] ?? [];
      const extra = Object.keys(c).filter((k) => !allowed.includes(k));
      if (extra.length > 0) ctx.addIssue({ code: 'unrecognized_keys', keys: extra, input: c });
    }),
);

const tuneSchema = z.strictObject(
  {
    // In the order problems are reported when there are several.
    name: text,
    objectiveMetricName: text,
    // Checked when the experiment is built (objective/); here only that it is there.
    objective: z.unknown().refine((v) => v !== undefined, { error: 'is required' }),
    parameters: object('must be an object of name -> search space (see search.int, ...)')
      .pipe(z.record(z.string(), searchSpace))
      .superRefine((parameters, ctx) => {
        if (Object.keys(parameters).length === 0)
          ctx.addIssue({ code: 'custom', input: parameters, message: 'must name at least one parameter' });
        for (const name of Object.keys(parameters))
          if (!PARAMETER_NAME.test(name))
            ctx.addIssue({
              code: 'custom',
              path: [name],
              input: name,
              message: 'is not a usable parameter name (letters, digits, _, . and -)',
            });
      }),
    additionalMetricNames: stringList.optional(),
    objectiveType: z.enum(['maximize', 'minimize'], { error: 'must be "maximize" or "minimize"' }).optional(),
    objectiveGoal: z
      .number({ error: 'must be a finite number' })
      .refine(Number.isFinite, { error: 'must be a finite number' })
      .optional(),
    algorithmName: text.optional(),
    algorithmSettings: object('must be an object of setting name -> value')
      .pipe(
        z.record(
          z.string(),
          z.union([z.string(), z.number(), z.boolean()], { error: 'must be a string, number or boolean' }),
        ),
      )
      .optional(),
    maxTrialCount: integer.optional(),
    parallelTrialCount: integer.optional(),
    maxFailedTrialCount: integer.optional(),
    envPerTrial: object('must be an object of variable name -> string value')
      .pipe(z.record(z.string(), z.string({ error: 'must be a string' })))
      .superRefine((env, ctx) => {
        for (const name of Object.keys(env))
          if (name === '' || name.startsWith('KATIB_'))
            ctx.addIssue({
              code: 'custom',
              path: [name],
              input: name,
              message: 'is not a variable name a trial may set (KATIB_* are set by katib-ts)',
            });
      })
      .optional(),
    retainTrials: z.boolean({ error: 'must be true or false' }).optional(),
    metricsCollectorConfig: collectorSchema.optional(),
  },
  { error: 'takes an options object' },
);

/**
 * Type checks of every option (tuneSchema); returns the options typed. The first problem is the
 * error, in the order a reader fixes them: an unknown option first (likely a typo), then a
 * missing one, then a wrong value.
 */
export function checkTuneOptions(raw: unknown): TuneOptions {
  const result = tuneSchema.safeParse(raw, { reportInput: true });
  if (result.success) return raw as TuneOptions;
  const rank = (issue: z.core.$ZodIssue) =>
    issue.code === 'unrecognized_keys' ? 0 : issue.input === undefined && issue.path.length === 1 ? 1 : 2;
  const first = [...result.error.issues].sort((a, b) => rank(a) - rank(b))[0]!;
  throw toKatibError(first);
}

/** `parameters.a}b`, `additionalMetricNames[0]`: the option as written, keys unquoted. */
function fieldOf(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'tune';
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i > 0 ? '.' : ''}${String(k)}`)).join('');
}

/** A zod issue as the SDK's error: `field: value rule`, the field a path like `parameters.lr`. */
function toKatibError(issue: z.core.$ZodIssue): KatibError {
  const field = fieldOf(issue.path);
  const input = (issue as { input?: unknown }).input;
  if (issue.code === 'unrecognized_keys') {
    const o = input as Record<string, unknown>;
    const [key] = issue.keys as [string];
    // At the top the options of tune(); inside metricsCollectorConfig those of its kind.
    if (issue.path.length === 0) return unknownOption(o, key, TUNE_OPTIONS, '');
    return unknownOption(o, key, COLLECTOR_OPTIONS[o.kind as string]!, `${field}.`, ` for kind ${o.kind}`);
  }
  if (input === undefined && issue.code === 'invalid_type' && issue.path.length > 0)
    return invalidArgument(field, undefined, 'is required');
  return invalidArgument(field, input, issue.message);
}

/** Unknown keys are mistakes (a typo would silently run with a default): name them, with a hint. */
export function checkKeys(
  o: Record<string, unknown>,
  allowed: readonly string[],
  prefix: string,
  where = '',
): void {
  const key = Object.keys(o).find((k) => !allowed.includes(k));
  if (key !== undefined) throw unknownOption(o, key, allowed, prefix, where);
}

/** `prefix + key` is not one of `allowed`: the error, with the likeliest intended one. */
function unknownOption(
  o: Record<string, unknown>,
  key: string,
  allowed: readonly string[],
  prefix: string,
  where = '',
): KatibError {
  const near = allowed.find((a) => a.toLowerCase() === key.toLowerCase() || editDistance(a, key) <= 2);
  const hint = near ? `; did you mean ${near}?` : ` (options: ${allowed.join(', ')})`;
  return invalidArgument(`${prefix}${key}`, o[key], `is not an option${where}${hint}`);
}

export function record(value: unknown, field: string, rule: string): Record<string, unknown> {
  if (!isObject(value)) throw invalidArgument(field, value, rule);
  return value;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
