/**
 * `tune()`'s options as Katib's SDK has them, camelCased, and their type checks: each wrong
 * option is an `invalid_argument` KatibError naming the option (`maxTrialCount: "5" must be an
 * integer`), before anything is built or stored. Rules that relate options to each other (budget,
 * names) are Katib's, checked by the spec parser and reported under the option names too.
 */
import { invalidArgument } from '../api/errors.js';
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

/** Type checks of every option; returns the options typed. */
export function checkTuneOptions(raw: unknown): TuneOptions {
  const o = record(raw, 'tune', 'takes an options object');
  checkKeys(o, TUNE_OPTIONS, '');
  for (const key of ['name', 'objective', 'parameters', 'objectiveMetricName'] as const)
    if (o[key] === undefined) throw invalidArgument(key, undefined, 'is required');
  string(o.name, 'name');
  string(o.objectiveMetricName, 'objectiveMetricName');
  const parameters = record(
    o.parameters,
    'parameters',
    'must be an object of name -> search space (see search.int, ...)',
  );
  if (Object.keys(parameters).length === 0)
    throw invalidArgument('parameters', parameters, 'must name at least one parameter');
  for (const [name, space] of Object.entries(parameters)) {
    if (!PARAMETER_NAME.test(name))
      throw invalidArgument(
        `parameters.${name}`,
        name,
        'is not a usable parameter name (letters, digits, _, . and -)',
      );
    const s = record(
      space,
      `parameters.${name}`,
      'must be a search space (search.int, search.double, search.categorical, search.discrete)',
    );
    if (
      typeof s.parameterType !== 'string' ||
      typeof s.feasibleSpace !== 'object' ||
      s.feasibleSpace === null
    )
      throw invalidArgument(
        `parameters.${name}`,
        space,
        'must be a search space (search.int, search.double, search.categorical, search.discrete)',
      );
  }
  if (o.additionalMetricNames !== undefined) stringList(o.additionalMetricNames, 'additionalMetricNames');
  if (o.objectiveType !== undefined && o.objectiveType !== 'maximize' && o.objectiveType !== 'minimize')
    throw invalidArgument('objectiveType', o.objectiveType, 'must be "maximize" or "minimize"');
  if (
    o.objectiveGoal !== undefined &&
    (typeof o.objectiveGoal !== 'number' || !Number.isFinite(o.objectiveGoal))
  )
    throw invalidArgument('objectiveGoal', o.objectiveGoal, 'must be a finite number');
  if (o.algorithmName !== undefined) string(o.algorithmName, 'algorithmName');
  if (o.algorithmSettings !== undefined) {
    const settings = record(
      o.algorithmSettings,
      'algorithmSettings',
      'must be an object of setting name -> value',
    );
    for (const [k, v] of Object.entries(settings))
      if (!['string', 'number', 'boolean'].includes(typeof v))
        throw invalidArgument(`algorithmSettings.${k}`, v, 'must be a string, number or boolean');
  }
  for (const key of ['maxTrialCount', 'parallelTrialCount', 'maxFailedTrialCount'] as const) {
    const v = o[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v)))
      throw invalidArgument(key, v, 'must be an integer (a number, not a string)');
  }
  if (o.envPerTrial !== undefined) {
    const env = record(o.envPerTrial, 'envPerTrial', 'must be an object of variable name -> string value');
    for (const [k, v] of Object.entries(env)) {
      if (typeof v !== 'string') throw invalidArgument(`envPerTrial.${k}`, v, 'must be a string');
      if (k === '' || k.startsWith('KATIB_'))
        throw invalidArgument(
          `envPerTrial.${k}`,
          k,
          'is not a variable name a trial may set (KATIB_* are set by katib-ts)',
        );
    }
  }
  if (o.retainTrials !== undefined && typeof o.retainTrials !== 'boolean')
    throw invalidArgument('retainTrials', o.retainTrials, 'must be true or false');
  if (o.metricsCollectorConfig !== undefined) checkCollector(o.metricsCollectorConfig);
  return o as unknown as TuneOptions;
}

function checkCollector(raw: unknown): void {
  const c = record(raw, 'metricsCollectorConfig', "must be {kind: 'StdOut' | 'Push' | 'File', ...}");
  const allowed =
    typeof c.kind === 'string' && Object.hasOwn(COLLECTOR_OPTIONS, c.kind)
      ? COLLECTOR_OPTIONS[c.kind]
      : undefined;
  if (allowed === undefined)
    throw invalidArgument('metricsCollectorConfig.kind', c.kind, 'must be "StdOut", "Push" or "File"');
  checkKeys(c, allowed, 'metricsCollectorConfig.', ` for kind ${c.kind}`);
  if (c.metricsFormat !== undefined) stringList(c.metricsFormat, 'metricsCollectorConfig.metricsFormat');
  if (c.path !== undefined) string(c.path, 'metricsCollectorConfig.path');
  if (c.format !== undefined && c.format !== 'TEXT' && c.format !== 'JSON')
    throw invalidArgument('metricsCollectorConfig.format', c.format, 'must be "TEXT" or "JSON"');
}

/** Unknown keys are mistakes (a typo would silently run with a default): name them, with a hint. */
export function checkKeys(
  o: Record<string, unknown>,
  allowed: readonly string[],
  prefix: string,
  where = '',
): void {
  for (const key of Object.keys(o)) {
    if (allowed.includes(key)) continue;
    const near = allowed.find((a) => a.toLowerCase() === key.toLowerCase() || editDistance(a, key) <= 2);
    const hint = near ? `; did you mean ${near}?` : ` (options: ${allowed.join(', ')})`;
    throw invalidArgument(`${prefix}${key}`, o[key], `is not an option${where}${hint}`);
  }
}

export function record(value: unknown, field: string, rule: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidArgument(field, value, rule);
  return value as Record<string, unknown>;
}

function string(value: unknown, field: string): void {
  if (typeof value !== 'string' || value === '')
    throw invalidArgument(field, value, 'must be a non-empty string');
}

function stringList(value: unknown, field: string): void {
  if (!Array.isArray(value)) throw invalidArgument(field, value, 'must be a list of strings');
  value.forEach((v, i) => {
    if (typeof v !== 'string') throw invalidArgument(`${field}[${i}]`, v, 'must be a string');
  });
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
