/**
 * The Katib trialTemplate (a batch/v1 Job whose one container the local runner runs) for each form
 * of `tune({objective})`: a function, a module export, or a command.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { invalidArgument } from '../../api/errors.js';
import type { TrialTemplate } from '../../api/experiment.js';
import { resolveSourcePaths } from '../../controller/index.js';
import { functionSource } from './function-source.js';
import { type ObjectiveProgram, objectiveProgram, PARAMETER_ENV_PREFIX } from './objective-code.js';

export const CONTAINER_NAME = 'objective';

export interface TemplateInput {
  objective: unknown;
  /** Parameter names in order, and whether the objective receives them as numbers. */
  parameters: readonly { name: string; numeric: boolean }[];
  collector: ObjectiveProgram['collector'];
  file?: ObjectiveProgram['file'];
  objectiveMetricName: string;
  env: Record<string, string>;
  retain?: boolean;
  /** File URL of the code that called tune(): imports and relative paths resolve from it. */
  caller: string;
}

/** Builds the trial template; throws invalid_argument naming `objective` when it cannot run. */
export function trialTemplateFor(input: TemplateInput): TrialTemplate {
  const { objective } = input;
  const trialParameters = input.parameters.map((p) => ({ name: p.name, reference: p.name }));
  const userEnv = Object.entries(input.env).map(([name, value]) => ({ name, value }));
  let command: string[];
  let env = userEnv;
  if (Array.isArray(objective)) {
    command = commandObjective(objective, input);
  } else {
    const program = objectiveProgram({
      parameters: input.parameters,
      collector: input.collector,
      objectiveMetricName: input.objectiveMetricName,
      ...(input.file ? { file: input.file } : {}),
      reportUrl: import.meta.resolve('katib-ts/report'),
      objective:
        typeof objective === 'function'
          ? { source: guardPlaceholders(functionSource(objective, 'objective')), resolveFrom: input.caller }
          : moduleObjective(objective, input.caller),
    });
    // Kubernetes expands $(VAR) and $$ in command words: $$ keeps every $ of the program as written.
    command = [process.execPath, '--input-type=module', '--eval', program.replaceAll('$', () => '$$')];
    env = [
      ...input.parameters.map((p, i) => ({
        name: `${PARAMETER_ENV_PREFIX}${i}`,
        value: `\${trialParameters.${p.name}}`,
      })),
      ...userEnv,
    ];
  }
  return {
    primaryContainerName: CONTAINER_NAME,
    trialParameters,
    trialSpec: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: CONTAINER_NAME, command, ...(env.length > 0 ? { env } : {}) }],
          },
        },
      },
    },
    ...(input.retain !== undefined ? { retain: input.retain } : {}),
  };
}

/**
 * A command: words may use `${trialParameters.NAME}`; a parameter no word uses is appended as
 * `--NAME=value`. Words naming files next to the caller become absolute (the trial runs elsewhere).
 */
function commandObjective(words: unknown[], input: TemplateInput): string[] {
  if (words.length === 0) throw invalidArgument('objective', words, 'must not be an empty command');
  words.forEach((w, i) => {
    if (typeof w !== 'string') throw invalidArgument(`objective[${i}]`, w, 'must be a string');
  });
  const text = (words as string[]).join('\n');
  const appended = input.parameters
    .filter((p) => !text.includes(`\${trialParameters.${p.name}}`))
    .map((p) => `--${p.name}=\${trialParameters.${p.name}}`);
  return resolveSourcePaths([...(words as string[]), ...appended], callerDir(input.caller));
}

/** `{module, export}`: the module's file URL (a path relative to the caller, absolute, or file: URL). */
function moduleObjective(objective: unknown, caller: string): { moduleUrl: string; exportName: string } {
  const o = objective as { module?: unknown; export?: unknown };
  if (typeof objective !== 'object' || objective === null)
    throw invalidArgument(
      'objective',
      objective,
      'must be a function, {module, export?} or a command (a list of strings)',
    );
  for (const key of Object.keys(o)) {
    if (key !== 'module' && key !== 'export')
      throw invalidArgument(
        `objective.${key}`,
        (o as Record<string, unknown>)[key],
        'is not an option (options: module, export)',
      );
  }
  const exportName = o.export ?? 'default';
  if (typeof exportName !== 'string' || exportName === '')
    throw invalidArgument('objective.export', o.export, 'must be the name of a function the module exports');
  let file: string;
  if (o.module instanceof URL || (typeof o.module === 'string' && o.module.startsWith('file:'))) {
    file = fileURLToPath(o.module);
  } else if (typeof o.module === 'string' && o.module !== '') {
    file = path.resolve(callerDir(caller), o.module);
  } else {
    throw invalidArgument('objective.module', o.module, 'must be a file path or a file: URL');
  }
  if (!existsSync(file))
    throw invalidArgument('objective.module', o.module, `names no file (looked for ${file})`);
  return { moduleUrl: pathToFileURL(file).href, exportName };
}

function callerDir(caller: string): string {
  const file = fileURLToPath(caller);
  return caller.endsWith('/') ? file : path.dirname(file);
}

/**
 * Katib substitutes `${trialParameters.X}` and `${trialSpec.X}` anywhere in the trialSpec, the
 * program included. A template literal in the function that happens to read like one keeps its
 * meaning with a space after the brace, and is no longer a placeholder.
 */
function guardPlaceholders(source: string): string {
  return source.replace(/\$\{(?=(?:trialParameters|trialSpec)\.)/g, '${ ');
}
