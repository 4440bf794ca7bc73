import path from 'node:path';
import { KatibError } from '../api/errors.js';
import type { Experiment } from '../api/experiment.js';
import { resolveSourcePaths } from '../controller/index.js';
import { loadExperimentFile, parseExperiment } from '../spec/index.js';
import { knownAlgorithms } from '../suggestion/index.js';

/**
 * createExperiment's input: a Katib Experiment object, or the path of a YAML/JSON file holding
 * one, validated for the runner (default local). For the local runner, words of the trial's
 * command that name files next to the experiment (its file's folder, else the working directory)
 * are made absolute, as `katib run` does, so the stored experiment runs the same wherever its
 * trials start.
 */
export async function experimentInput(
  input: unknown,
  runner: 'local' | 'kubernetes' = 'local',
): Promise<Experiment> {
  const options = { knownAlgorithms: knownAlgorithms(), runner };
  let experiment: Experiment;
  let sourceDir: string;
  if (typeof input === 'string') {
    experiment = await loadExperimentFile(input, options);
    sourceDir = path.dirname(path.resolve(input));
  } else if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const { status: _ignored, ...rest } = input as Record<string, unknown>;
    experiment = parseExperiment(rest, options);
    sourceDir = process.cwd();
  } else {
    throw new KatibError(
      'invalid_argument',
      'experiment: must be a Katib Experiment object or the path of a YAML/JSON file',
      { field: 'experiment' },
    );
  }
  // On Kubernetes the command runs in the trial's image: its words name nothing here.
  return runner === 'kubernetes' ? experiment : withAbsolutePaths(experiment, sourceDir);
}

function withAbsolutePaths(experiment: Experiment, sourceDir: string): Experiment {
  const template = experiment.spec.trialTemplate;
  const containers = (template.trialSpec as { spec?: { template?: { spec?: { containers?: unknown } } } })
    .spec?.template?.spec?.containers;
  if (!Array.isArray(containers)) return experiment;
  const index =
    template.primaryContainerName === undefined
      ? 0
      : containers.findIndex((c) => (c as { name?: unknown }).name === template.primaryContainerName);
  const container = containers[index] as
    | { command?: string[]; args?: string[]; workingDir?: string }
    | undefined;
  if (!container) return experiment;
  const command = container.command ?? [];
  const args = container.args ?? [];
  const resolved = resolveSourcePaths([...command, ...args], sourceDir);
  if (container.command) container.command = resolved.slice(0, command.length);
  if (container.args) container.args = resolved.slice(command.length);
  if (container.workingDir && !path.isAbsolute(container.workingDir))
    container.workingDir = path.resolve(sourceDir, container.workingDir);
  return experiment;
}
