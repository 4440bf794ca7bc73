/**
 * `tune()` options -> a Katib Experiment, validated by the same parser as experiment files
 * (Katib's rules and defaults, local runner) and by the algorithm's settings check. Problems found
 * there are reported under the option names the caller wrote (`maxTrialCount`, `parameters.lr`),
 * not the spec paths they became.
 */
import { KatibError } from '../api/errors.js';
import type { Experiment } from '../api/experiment.js';
import { parseExperiment, SpecValidationError } from '../spec/index.js';
import { getSuggester, knownAlgorithms } from '../suggestion/index.js';
import { trialTemplateFor } from './objective/trial-template.js';
import { checkTuneOptions } from './tune-options.js';

/** The default pull pattern reads names made of these characters only. */
const DEFAULT_FILTER_NAME = /^[\w|-]+$/;

/** Builds and validates the experiment `tune(options)` creates; `caller` is the calling file's URL. */
export function tuneExperiment(raw: unknown, caller: string): Experiment {
  const o = checkTuneOptions(raw);
  const collector = o.metricsCollectorConfig ?? { kind: 'StdOut' as const };
  const parameterNames = Object.keys(o.parameters);
  const settings = Object.entries(o.algorithmSettings ?? {});
  const metricNames = [o.objectiveMetricName, ...(o.additionalMetricNames ?? [])];
  if (collector.kind !== 'Push' && !collector.metricsFormat && !Array.isArray(o.objective)) {
    metricNames.forEach((name, i) => {
      if (!DEFAULT_FILTER_NAME.test(name))
        throw new KatibError(
          'invalid_argument',
          `${i === 0 ? 'objectiveMetricName' : `additionalMetricNames[${i - 1}]`}: ${JSON.stringify(name)} cannot be read back from name=value lines by the default pattern (letters, digits, _, - and |): use metricsCollectorConfig {kind: 'Push'} or a metricsFormat`,
          { field: i === 0 ? 'objectiveMetricName' : `additionalMetricNames[${i - 1}]` },
        );
    });
  }
  const file =
    collector.kind === 'File'
      ? { path: collector.path ?? 'metrics.log', format: collector.format ?? 'TEXT' }
      : undefined;
  const trialTemplate = trialTemplateFor({
    objective: o.objective,
    parameters: parameterNames.map((name) => ({
      name,
      numeric: o.parameters[name]!.parameterType !== 'categorical',
    })),
    collector: collector.kind,
    ...(file ? { file } : {}),
    objectiveMetricName: o.objectiveMetricName,
    env: { ...o.envPerTrial },
    ...(o.retainTrials !== undefined ? { retain: o.retainTrials } : {}),
    caller,
  });
  const metricsFormat = collector.kind === 'Push' ? undefined : collector.metricsFormat;
  const document = {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name: o.name },
    spec: {
      parameters: parameterNames.map((name) => ({ name, ...o.parameters[name] })),
      objective: {
        type: o.objectiveType ?? 'maximize',
        objectiveMetricName: o.objectiveMetricName,
        ...(o.additionalMetricNames ? { additionalMetricNames: [...o.additionalMetricNames] } : {}),
        ...(o.objectiveGoal !== undefined ? { goal: o.objectiveGoal } : {}),
      },
      algorithm: {
        algorithmName: o.algorithmName ?? 'random',
        algorithmSettings: settings.map(([name, value]) => ({ name, value: String(value) })),
      },
      ...(o.maxTrialCount !== undefined ? { maxTrialCount: o.maxTrialCount } : {}),
      ...(o.parallelTrialCount !== undefined ? { parallelTrialCount: o.parallelTrialCount } : {}),
      ...(o.maxFailedTrialCount !== undefined ? { maxFailedTrialCount: o.maxFailedTrialCount } : {}),
      metricsCollectorSpec: {
        collector: { kind: collector.kind },
        ...(file || metricsFormat
          ? {
              source: {
                ...(file ? { fileSystemPath: { path: file.path, kind: 'File', format: file.format } } : {}),
                ...(metricsFormat ? { filter: { metricsFormat: [...metricsFormat] } } : {}),
              },
            }
          : {}),
      },
      trialTemplate,
    },
  };
  const names = (path: string): string =>
    optionPath(
      path,
      parameterNames,
      settings.map(([k]) => k),
    );
  let experiment: Experiment;
  try {
    experiment = parseExperiment(document, { knownAlgorithms: knownAlgorithms(), runner: 'local' });
    getSuggester(experiment.spec.algorithm.algorithmName).validateSettings(experiment);
  } catch (err) {
    throw renamed(err, names);
  }
  return experiment;
}

/** A spec problem re-worded with option names; other errors pass through. */
function renamed(err: unknown, names: (path: string) => string): unknown {
  if (!(err instanceof KatibError) || err.code !== 'invalid_argument') return err;
  if (err instanceof SpecValidationError) {
    const lines = err.issues.map((i) => names(`${i.path}: ${formatted(i.value)}${i.rule}`));
    const message =
      lines.length === 1 ? lines[0]! : `tune: ${lines.length} problems\n  ${lines.join('\n  ')}`;
    return new KatibError('invalid_argument', message, {
      field: names(err.issues[0]?.path ?? ''),
      cause: err,
    });
  }
  return new KatibError('invalid_argument', names(err.message), {
    field: names(err.field ?? ''),
    cause: err,
  });
}

function formatted(value: unknown): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return `${text.length > 80 ? `${text.slice(0, 77)}...` : text} `;
}

/** Rewrites every spec path in `text` to the tune option it came from. */
export function optionPath(text: string, parameters: readonly string[], settings: readonly string[]): string {
  return text
    .replace(
      /spec\.parameters\[(\d+)\](?:\.feasibleSpace)?/g,
      (_, i: string) => `parameters.${parameters[Number(i)] ?? i}`,
    )
    .replace(
      /spec\.algorithm\.algorithmSettings\[(\d+)\](?:\.(?:name|value))?/g,
      (_, i: string) => `algorithmSettings.${settings[Number(i)] ?? i}`,
    )
    .replace(/spec\.objective\.objectiveMetricName/g, 'objectiveMetricName')
    .replace(/spec\.objective\.additionalMetricNames/g, 'additionalMetricNames')
    .replace(/spec\.objective\.type/g, 'objectiveType')
    .replace(/spec\.objective\.goal/g, 'objectiveGoal')
    .replace(/spec\.algorithm\.algorithmName/g, 'algorithmName')
    .replace(/spec\.algorithm\.algorithmSettings/g, 'algorithmSettings')
    .replace(/spec\.(maxTrialCount|parallelTrialCount|maxFailedTrialCount)/g, '$1')
    .replace(/spec\.metricsCollectorSpec[\w.[\]]*/g, 'metricsCollectorConfig')
    .replace(/spec\.trialTemplate[\w.[\]"]*/g, 'objective')
    .replace(/metadata\.name/g, 'name');
}
