import { readFile } from 'node:fs/promises';
import { KatibError } from '../api/errors.js';
import type { Experiment } from '../api/experiment.js';
import { type CheckOptions, checkExperiment } from './check-experiment.js';
import { localConfigMaps } from './config-map-files.js';
import { IssueList, type SpecIssue } from './issues.js';
import { readExperimentDocument } from './read-document.js';

export interface ParseOptions extends CheckOptions {
  /** Where the input came from (a file path), named in error messages. */
  source?: string;
  /** Called once per warning of an input that is valid. */
  onWarning?: (warning: SpecIssue) => void;
  /**
   * loadExperimentFile only: ConfigMap YAML files a `spec.trialTemplate.configMap` may name; the
   * file `<configMapName>.yaml` beside the Experiment is looked at too (config-map-files.ts).
   * Ignored when `configMaps` is given.
   */
  configMapFiles?: readonly string[];
}

export interface ParsedExperiment {
  experiment: Experiment;
  /** Fields that are accepted but ignored or read differently (each with path, value and why). */
  warnings: SpecIssue[];
}

/**
 * Reads a Katib kubeflow.org/v1beta1 Experiment (YAML or JSON text, or an already decoded
 * object), checks every rule and applies Katib's defaults. Throws a SpecValidationError (a
 * KatibError `invalid_argument`) listing every problem, one per line, with `issues` and
 * `warnings` on it. The result shares nothing with the input.
 */
export function parseExperimentWithWarnings(input: unknown, options: ParseOptions = {}): ParsedExperiment {
  const issues = new IssueList();
  const what = `invalid Experiment${options.source === undefined ? '' : ` ${options.source}`}`;
  const raw = typeof input === 'string' ? readExperimentDocument(input, issues) : input;
  issues.throwIfAny(what);
  const experiment = checkExperiment(raw, options, issues);
  issues.throwIfAny(what);
  if (experiment === undefined)
    throw new KatibError('internal', `${what}: no problem reported, yet no experiment built`);
  return { experiment, warnings: issues.warnings };
}

/** parseExperimentWithWarnings, handing warnings to `options.onWarning`. */
export function parseExperiment(input: unknown, options: ParseOptions = {}): Experiment {
  const { experiment, warnings } = parseExperimentWithWarnings(input, options);
  for (const w of warnings) options.onWarning?.(w);
  return experiment;
}

/** Reads and parses an Experiment file; `not_found` when there is no such file. */
export async function loadExperimentFileWithWarnings(
  path: string,
  options: ParseOptions = {},
): Promise<ParsedExperiment> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new KatibError('not_found', `${path}: no such experiment file`, { field: 'path', cause: err });
    if (code === 'EACCES')
      throw new KatibError('permission_denied', `${path}: not readable`, { field: 'path', cause: err });
    if (code === 'EISDIR')
      throw new KatibError('invalid_argument', `${path}: is a directory, not an experiment file`, {
        field: 'path',
        cause: err,
      });
    throw KatibError.from(err, 'unknown');
  }
  const configMaps = options.configMaps ?? (await localConfigMaps(path, text, options.configMapFiles));
  return parseExperimentWithWarnings(text, {
    ...options,
    source: options.source ?? path,
    ...(configMaps !== undefined ? { configMaps } : {}),
  });
}

/** loadExperimentFileWithWarnings, handing warnings to `options.onWarning`. */
export async function loadExperimentFile(path: string, options: ParseOptions = {}): Promise<Experiment> {
  const { experiment, warnings } = await loadExperimentFileWithWarnings(path, options);
  for (const w of warnings) options.onWarning?.(w);
  return experiment;
}
