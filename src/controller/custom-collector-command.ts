import path from 'node:path';
import { KatibError } from '../api/errors.js';
import type { MetricsCollectorSpec } from '../api/experiment.js';
import { localCommandOf } from '../spec/index.js';

const FIELD = 'spec.metricsCollectorSpec.collector.customCollector';

/** What a local Custom collector process runs: argv, its variables and its folder. */
export interface CustomCollectorCommand {
  command: string[];
  env: Record<string, string>;
  workingDir: string;
}

/**
 * The `customCollector` container as a local command. Katib injects that container into the
 * trial's pod as written (it adds no arguments or variables); locally it gets the container's own
 * env, `valueFrom.fieldRef` metadata.name / metadata.namespace filled with the trial name and
 * namespace (Katib's pod name derives from the trial name), then `trialEnv` (katib-ts's trial
 * variables: KATIB_TRIAL_NAME, KATIB_EXPERIMENT_NAME, KATIB_DB_MANAGER_ADDRESS,
 * KATIB_DB_MANAGER_HTTP_ADDRESS, token...), KATIB_METRIC_NAMES (objective first, `;`-separated
 * as Katib's `-m` flag) and KATIB_METRICS_FILE_PATH (source.fileSystemPath.path, resolved
 * against the trial's working directory). Throws INVALID_ARGUMENT naming the field when the
 * container cannot run as a local command.
 */
export function customCollectorCommand(
  spec: MetricsCollectorSpec,
  o: {
    trialName: string;
    namespace: string;
    metricNames: readonly string[];
    trialEnv: Record<string, string>;
    workingDir: string;
  },
): CustomCollectorCommand {
  const container = spec.collector.customCollector;
  if (container === undefined)
    throw new KatibError('invalid_argument', `${FIELD}: is required for collector kind Custom`, {
      field: FIELD,
    });
  let local: ReturnType<typeof localCommandOf>;
  try {
    local = localCommandOf(asJob(fillFieldRefs(container, o.trialName, o.namespace)));
  } catch (err) {
    const why = (err as Error).message.replace(/trialSpec\.spec\.template\.spec\.containers\[0\]/g, FIELD);
    throw new KatibError('invalid_argument', `${FIELD}: cannot run as a local command: ${why}`, {
      field: FIELD,
    });
  }
  const fsPath = spec.source?.fileSystemPath?.path;
  return {
    command: local.command,
    env: {
      ...local.env,
      ...o.trialEnv,
      KATIB_METRIC_NAMES: o.metricNames.join(';'),
      ...(fsPath ? { KATIB_METRICS_FILE_PATH: path.resolve(o.workingDir, fsPath) } : {}),
    },
    workingDir: local.workingDir ? path.resolve(o.workingDir, local.workingDir) : o.workingDir,
  };
}

/** The container as the only one of a Job, so that localCommandOf reads it as it reads a trial's. */
function asJob(container: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'batch/v1', kind: 'Job', spec: { template: { spec: { containers: [container] } } } };
}

/** metadata.name / metadata.namespace fieldRefs as plain values; other valueFrom is left to be refused. */
function fillFieldRefs(
  container: Record<string, unknown>,
  trialName: string,
  namespace: string,
): Record<string, unknown> {
  const env = container.env;
  if (!Array.isArray(env)) return container;
  return {
    ...container,
    env: env.map((entry: unknown) => {
      const e = entry as { name?: unknown; valueFrom?: { fieldRef?: { fieldPath?: unknown } } };
      const fieldPath = e?.valueFrom?.fieldRef?.fieldPath;
      if (fieldPath === 'metadata.name') return { name: e.name, value: trialName };
      if (fieldPath === 'metadata.namespace') return { name: e.name, value: namespace };
      return entry;
    }),
  };
}
