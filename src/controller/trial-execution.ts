/**
 * One trial from start to its final condition: substitute the template, start the process,
 * collect (pull kinds) while it runs, then read the stored log back and judge the trial the way
 * Katib's trial controller does. The controller owns the store writes of the trial object; this
 * module only reports what happened.
 */
import path from 'node:path';
import { cleanEnvOf } from '../api/clean-env-annotation.js';
import type { Experiment, MetricsCollectorSpec } from '../api/experiment.js';
import type { MetricLog, ObservationMetric } from '../api/observation.js';
import { UNAVAILABLE_VALUE } from '../api/observation.js';
import { nowMicros } from '../api/time.js';
import type { Trial, TrialConditionType } from '../api/trial.js';
import { metricNamesOf, startCollector } from '../collector/index.js';
import { injectLocalTrial } from '../injection/index.js';
import { failureLine } from '../runner/failure-line.js';
import {
  inheritedEnv,
  kubernetesRunSpec,
  type RunningTrial,
  startCustomCollector,
  type TrialExit,
  type TrialRunner,
  type TrialRunSpec,
} from '../runner/index.js';
import { localCommandOf, substituteTrialTemplate } from '../spec/index.js';
import type { ObservationStore } from '../store/observation-store.js';
import { prepareCheckpointFolder } from './checkpoint-folder.js';
import { type CustomCollectorCommand, customCollectorCommand } from './custom-collector-command.js';
import { withPythonHelper } from './python-helper.js';
import { readObservation } from './read-observation.js';
import { resolveSourcePaths } from './source-paths.js';
import { type TrialAccess, trialAccessEnv } from './trial-access.js';
import { trialDir as trialDirOf } from './trial-dir.js';

/** Where trials send their metrics: handed to each trial in its environment. */
export interface DbManagerAddresses {
  /** host:port of the gRPC DB manager (KATIB_DB_MANAGER_ADDRESS). */
  grpc: string;
  /** host:port of the HTTP JSON endpoint (KATIB_DB_MANAGER_HTTP_ADDRESS). */
  http?: string;
}

export interface TrialExecutionContext {
  experiment: Experiment;
  runner: TrialRunner;
  observations: ObservationStore;
  /** The DB manager write path that pull collectors write through. */
  writeLogs: (trialName: string, logs: MetricLog[]) => Promise<void>;
  addresses: DbManagerAddresses;
  /**
   * Each trial gets the folder `<workRoot>/<experimentName>/<trialName>` (trialDir; KATIB_TRIAL_DIR)
   * for its logs, and runs
   * there unless its container names a workingDir.
   */
  workRoot: string;
  /**
   * The experiment file's folder: stands in for the container image (see resolveSourcePaths); a
   * relative container workingDir is resolved against it. Default: the process's cwd.
   */
  sourceDir?: string;
  /**
   * Told what a user should know about how a trial runs (e.g. Push injection fell back to reading
   * its output); the same message comes for every trial of the experiment, so show each once.
   */
  onNotice?: (message: string) => void;
  /** Extra env for every trial (the SDK's envPerTrial), under the template's own env. */
  extraEnv?: Record<string, string>;
  /**
   * Local trials start from a clean environment (INHERITED_ENV) instead of inheriting this
   * process's (`katib run --clean-env`); the experiment's `katib-ts.kubeflow.org/clean-env`
   * annotation, when set, decides instead. Default false.
   */
  cleanEnv?: boolean;
  /** The environment local trials inherit; default this process's (as the local runner's). */
  parentEnv?: Readonly<Record<string, string | undefined>>;
  /** With authentication or TLS on the DB manager: each trial's token and CA (trial-access.ts). */
  trialAccess?: TrialAccess;
  signal?: AbortSignal;
}

export interface TrialOutcome {
  condition: Extract<
    TrialConditionType,
    'Succeeded' | 'Failed' | 'MetricsUnavailable' | 'EarlyStopped' | 'Killed'
  >;
  reason: string;
  message: string;
  observation: ObservationMetric[];
  exit: TrialExit;
}

/** A trial that has started: `outcome` settles once it has ended and been judged. */
export interface TrialHandle {
  readonly process: RunningTrial;
  readonly outcome: Promise<TrialOutcome>;
  /** Ends the trial as EarlyStopped (its metrics so far are kept). */
  earlyStop(): void;
  /** Ends the trial as Killed (e.g. the experiment ended while it ran). */
  kill(reason: string, message: string): void;
}

/**
 * Starts `trial` (which must already be stored as Created/Running). Throws a KatibError only for
 * a template that cannot become a local command (local runner) or a collector the Kubernetes
 * runner cannot serve; everything that happens at run time becomes an outcome.
 */
export function startTrialExecution(ctx: TrialExecutionContext, trial: Trial): TrialHandle {
  const { experiment } = ctx;
  const spec = experiment.spec;
  const trialSpec = substituteTrialTemplate(experiment, {
    trialName: trial.name,
    namespace: experiment.metadata.namespace ?? ctx.runner.namespace,
    assignments: trial.parameterAssignments,
  });
  const trialDir = trialDirOf(ctx.workRoot, trial);
  const prepared =
    ctx.runner.kind === 'kubernetes'
      ? clusterTrial(ctx, trial, trialSpec, trialDir)
      : localTrial(ctx, trial, trialSpec, trialDir);
  const { workingDir } = prepared;
  const running = ctx.runner.start(prepared.runSpec, ctx.signal ? { signal: ctx.signal } : {});
  let collector: ReturnType<typeof startCollector>;
  try {
    collector = prepared.customCollector
      ? startCustomCollector({ ...prepared.customCollector, logDir: trialDir })
      : startCollector({
          spec: prepared.pullCollector ?? spec.metricsCollectorSpec,
          objective: spec.objective,
          trial: running,
          workingDir,
          sink: (logs) => ctx.writeLogs(trial.name, logs),
        });
  } catch (err) {
    // The process is already started: a collector that cannot run must not leave it behind.
    void running.kill();
    throw err;
  }
  let endedBy: { condition: 'EarlyStopped' | 'Killed'; reason: string; message: string } | undefined;
  const outcome = (async (): Promise<TrialOutcome> => {
    const exit = await running.wait();
    let collectError: string | undefined;
    try {
      await collector.finish();
    } catch (err) {
      collectError = err instanceof Error ? err.message : String(err);
    }
    const metricNames = metricNamesOf(spec.objective);
    let observation = await readObservation(ctx.observations, trial.name, metricNames);
    const judged = judge(exit, endedBy, collectError, running.logsTail());
    if (
      judged.condition === 'Succeeded' &&
      objectiveUnavailable(observation, spec.objective.objectiveMetricName)
    ) {
      // Katib's rule for a trial that ended without its objective: record the marker value in
      // the log (so readers of the DB see why) and end MetricsUnavailable, never Succeeded.
      const marker = {
        time: nowMicros(),
        name: spec.objective.objectiveMetricName,
        value: UNAVAILABLE_VALUE,
      };
      await ctx.writeLogs(trial.name, [marker]);
      observation = await readObservation(ctx.observations, trial.name, metricNames);
      return {
        condition: 'MetricsUnavailable',
        reason: 'MetricsUnavailable',
        message: 'Metrics are not available',
        observation,
        exit,
      };
    }
    return { ...judged, observation, exit };
  })();
  return {
    process: running,
    outcome,
    earlyStop() {
      endedBy ??= {
        condition: 'EarlyStopped',
        reason: 'TrialEarlyStopped',
        message: 'Trial is early stopped',
      };
      void running.kill();
    },
    kill(reason, message) {
      endedBy ??= { condition: 'Killed', reason, message };
      void running.kill();
    },
  };
}

interface PreparedTrial {
  runSpec: TrialRunSpec;
  /** Where a File collector's relative path is resolved. */
  workingDir: string;
  /** The collector to run instead of the experiment's (Push that fell back to pull). */
  pullCollector?: MetricsCollectorSpec;
  /** A Custom collector's process, run beside a local trial. */
  customCollector?: CustomCollectorCommand;
}

/** A trial as a local process: the Job's primary container as a command, Push prints injected. */
function localTrial(
  ctx: TrialExecutionContext,
  trial: Trial,
  trialSpec: Record<string, unknown>,
  trialDir: string,
): PreparedTrial {
  const { experiment } = ctx;
  const spec = experiment.spec;
  const local = localCommandOf(trialSpec, spec.trialTemplate.primaryContainerName);
  const sourceDir = ctx.sourceDir ?? process.cwd();
  const workingDir = local.workingDir ? path.resolve(sourceDir, local.workingDir) : trialDir;
  // The whole environment is made here, so that PYTHONPATH and NODE_OPTIONS keep what the trial
  // inherits and katib-ts's parts are added to them; the runner is told the same base.
  const cleanEnv = cleanEnvOf(experiment.metadata) ?? ctx.cleanEnv ?? false;
  const own: Record<string, string> = {
    ...inheritedEnv(ctx.parentEnv ?? process.env, { clean: cleanEnv }),
    ...ctx.extraEnv,
    ...local.env,
  };
  const env: Record<string, string> = {
    ...own,
    PYTHONPATH: withPythonHelper(own.PYTHONPATH),
    KATIB_TRIAL_DIR: trialDir,
    KATIB_SOURCE_DIR: sourceDir,
    KATIB_TRIAL_NAME: trial.name,
    KATIB_EXPERIMENT_NAME: experiment.metadata.name,
    KATIB_DB_MANAGER_ADDRESS: ctx.addresses.grpc,
    ...(ctx.addresses.http ? { KATIB_DB_MANAGER_HTTP_ADDRESS: ctx.addresses.http } : {}),
    ...trialAccessEnv(ctx.trialAccess, trial.name, true),
  };
  // suggestion_trial_dir (PBT): the trial's checkpoint folder, its parent's copied in.
  const checkpoint = prepareCheckpointFolder(experiment, trial, sourceDir);
  if (checkpoint !== undefined) env.KATIB_CHECKPOINT_DIR = checkpoint.dir;
  if (checkpoint?.missingParent !== undefined)
    ctx.onNotice?.(
      `${trial.name}: parent ${checkpoint.missingParent} has no checkpoint folder; starting empty`,
    );
  // Rewritten first: the setting's path names the trial's folder, never a source file.
  const command = resolveSourcePaths(checkpoint?.rewrite(local.command) ?? local.command, sourceDir);
  // Push: the trial's metric prints become pushes (code injection, docs/injection.md).
  const injected =
    spec.metricsCollectorSpec.collector.kind === 'Push' && ctx.addresses.http
      ? injectLocalTrial({
          command,
          env,
          trialDir,
          workingDir,
          collector: spec.metricsCollectorSpec,
          objective: spec.objective,
        })
      : undefined;
  for (const notice of injected?.notices ?? []) {
    // Paths differ per trial (its own folder): report the general notices, not the per-copy ones.
    if (!notice.startsWith('runs ')) ctx.onNotice?.(notice);
  }
  return {
    runSpec: {
      trialName: trial.name,
      experimentName: experiment.metadata.name,
      command: injected?.command ?? command,
      env: { ...env, ...injected?.env },
      cleanEnv,
      workingDir,
      logDir: trialDir,
      ...(local.activeDeadlineSeconds !== undefined ? { timeoutSeconds: local.activeDeadlineSeconds } : {}),
    },
    workingDir,
    ...(injected?.pullCollector ? { pullCollector: injected.pullCollector } : {}),
    ...(spec.metricsCollectorSpec.collector.kind === 'Custom'
      ? {
          customCollector: customCollectorCommand(spec.metricsCollectorSpec, {
            trialName: trial.name,
            namespace: experiment.metadata.namespace ?? ctx.runner.namespace ?? 'default',
            metricNames: metricNamesOf(spec.objective),
            trialEnv: env,
            workingDir,
          }),
        }
      : {}),
  };
}

/**
 * A trial as a Kubernetes resource: the substituted trialSpec itself, with katib-ts's variables
 * for the primary container (Push code injection is the admission webhook's job there).
 */
function clusterTrial(
  ctx: TrialExecutionContext,
  trial: Trial,
  trialSpec: Record<string, unknown>,
  trialDir: string,
): PreparedTrial {
  const env: Record<string, string> = {
    ...ctx.extraEnv,
    KATIB_TRIAL_NAME: trial.name,
    KATIB_EXPERIMENT_NAME: ctx.experiment.metadata.name,
    KATIB_DB_MANAGER_ADDRESS: ctx.addresses.grpc,
    ...(ctx.addresses.http ? { KATIB_DB_MANAGER_HTTP_ADDRESS: ctx.addresses.http } : {}),
    ...trialAccessEnv(ctx.trialAccess, trial.name, false),
  };
  const runSpec = kubernetesRunSpec({
    experiment: ctx.experiment,
    trialName: trial.name,
    trialSpec,
    env,
    logDir: trialDir,
  });
  return { runSpec, workingDir: trialDir };
}

function objectiveUnavailable(observation: readonly ObservationMetric[], objectiveName: string): boolean {
  const metric = observation.find((m) => m.name === objectiveName);
  return !metric || metric.latest === UNAVAILABLE_VALUE;
}

function judge(
  exit: TrialExit,
  endedBy: { condition: 'EarlyStopped' | 'Killed'; reason: string; message: string } | undefined,
  collectError: string | undefined,
  tail: string,
): Omit<TrialOutcome, 'observation' | 'exit'> {
  if (exit.startError) return { condition: 'Failed', reason: 'TrialStartFailed', message: exit.startError };
  if (endedBy && exit.killedBy === 'kill') return endedBy;
  if (exit.killedBy === 'timeout') {
    return {
      condition: 'Failed',
      reason: 'DeadlineExceeded',
      message: 'Trial was active longer than activeDeadlineSeconds',
    };
  }
  if (exit.exitCode !== 0) {
    const how = exit.signal
      ? `was ended by ${exit.signal}`
      : exit.exitCode === null
        ? 'failed'
        : `exited with code ${exit.exitCode}`;
    const detail = exit.detail ? ` (${exit.detail})` : '';
    return { condition: 'Failed', reason: 'TrialFailed', message: `Trial ${how}${detail}${lastLines(tail)}` };
  }
  if (collectError) return { condition: 'Failed', reason: 'MetricsCollectionFailed', message: collectError };
  return { condition: 'Succeeded', reason: 'TrialSucceeded', message: 'Trial has succeeded' };
}

/** The line of output that says why, for a failed trial's message (see failureLine). */
function lastLines(tail: string): string {
  const line = failureLine(tail);
  return line === '' ? '' : `: ${line}`;
}
