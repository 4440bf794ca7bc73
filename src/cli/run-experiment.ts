import path from 'node:path';
import { KatibError } from '../api/errors.js';
import type { Experiment } from '../api/experiment.js';
import type { Trial } from '../api/trial.js';
import type { ControllerEvent } from '../controller/index.js';
import { getEarlyStopper, knownEarlyStoppers } from '../earlystopping/index.js';
import { type Admission, describeHolder, LeaseHeldError, openKatib } from '../manager/index.js';
import { formatIssue, loadExperimentFileWithWarnings } from '../spec/index.js';
import { redactUrl } from '../store/index.js';
import { getSuggester, knownAlgorithms } from '../suggestion/index.js';
import type { CleanEnvFlags } from './clean-env-flag.js';
import { configMapFiles } from './config-map-setting.js';
import type { CliContext } from './context.js';
import { CliError } from './context.js';
import { finalReport, progressLine } from './experiment-output.js';
import type { Setting } from './flags.js';
import { type LimitFlags, limitSettings } from './limit-settings.js';
import { runOutcome, startFailure } from './run-outcome.js';
import type { SecurityFlags } from './security-flags.js';
import { dashboardLink, securitySettings } from './security-settings.js';
import { shutdownSignal } from './signals.js';

export interface RunFlags extends SecurityFlags, LimitFlags, CleanEnvFlags {
  db: Setting;
  workDir: string;
  output: 'text' | 'json';
  quiet?: boolean;
  /** The dashboard's `host:port` (`--ui` alone: a free loopback port). */
  ui?: string;
  /** Wait for another process's lease on the experiment instead of refusing at once. */
  wait?: boolean;
  leaseSeconds: number;
  configMap?: string[];
}

/**
 * Loads, validates and runs the experiment in FILE through the wiring point (openKatib): the
 * manager's one create/resume/refuse policy creates it, resumes it when the database already holds
 * the same experiment, and refuses a different spec under its name or an experiment another process
 * runs (its lease; `--wait` waits for it). Exit code: 0 Succeeded, 1 Failed or run elsewhere,
 * 2 bad usage/file, 3 no trial succeeded, 130 interrupted.
 */
export async function runExperiment(file: string, flags: RunFlags, context: CliContext): Promise<void> {
  const { stdout, stderr } = context;
  const dbUrl = flags.db.value;
  const workDir = flags.workDir;
  const security = await securitySettings(flags);
  const limits = limitSettings(flags);
  const ttlSeconds = flags.leaseSeconds;
  const cleanEnv = flags.cleanEnv === true;
  const say = (line: string): void => {
    if (!flags.quiet) stderr.write(`${line}\n`);
  };

  const { experiment, warnings } = await loadExperimentFileWithWarnings(file, {
    knownAlgorithms: knownAlgorithms(),
    knownEarlyStopping: knownEarlyStoppers(),
    runner: 'local',
    configMapFiles: configMapFiles(flags.configMap, context.env),
  }).catch((err: unknown) => {
    throw err instanceof KatibError ? new CliError(err.message.replace(/\n/g, '\n  '), 2) : err;
  });
  checkRunnable(experiment);
  for (const w of warnings) say(`warning: ${formatIssue(w)}`);
  const name = experiment.metadata.name;

  const workRoot = path.resolve(workDir);
  const uiListen = flags.ui;
  const katib = await openKatib({
    db: dbUrl,
    workRoot,
    limits,
    lease: { program: 'katib run', ...(ttlSeconds !== undefined ? { ttlSeconds } : {}) },
    ...(uiListen !== undefined ? { httpListen: uiListen, dashboard: {} } : {}),
    ...(cleanEnv ? { cleanEnv } : {}),
    ...(security.auth ? { auth: security.auth } : {}),
    ...(security.tls ? { tls: security.tls } : {}),
  }).catch((err: unknown) => {
    throw startFailure(err, dbUrl);
  });
  const { parts, manager } = katib;
  const dashboard = katib.dashboardUrl !== null;
  if (katib.dashboardUrl !== null) {
    stderr.write(
      `dashboard: ${dashboardLink(katib.dashboardUrl, parts.dbManager.auth?.operatorToken, security.tls !== undefined)}\n`,
    );
  }
  let ended = false;
  const abort = new AbortController();
  void shutdownSignal(() => process.exit(130)).then(() => {
    say(
      ended
        ? 'stopping the dashboard'
        : 'interrupted: stopping trials (run the same command again to resume)',
    );
    abort.abort();
  });
  let final: Experiment;
  let trials: Trial[];
  try {
    let admission: Admission;
    try {
      admission = await manager.admit(experiment, 'create-or-resume', {
        wait: flags.wait === true,
        signal: abort.signal,
        onWaiting: (lease) => say(`experiment ${name} ${describeHolder(lease)}: waiting for it (--wait)`),
      });
    } catch (err) {
      throw admissionError(err, name, dbUrl);
    }
    if (admission === 'created')
      say(
        `experiment ${name}: created in ${redactUrl(dbUrl)}; trials push to ${parts.dbManager.grpcAddress}`,
      );
    else
      say(admission === 'finished' ? `experiment ${name}: already finished` : `experiment ${name}: resuming`);
    const maxTrials = experiment.spec.maxTrialCount;
    const noticed = new Set<string>();
    const settings = {
      onNotice: (message: string) => {
        if (noticed.has(message)) return;
        noticed.add(message);
        say(`notice: ${message}`);
      },
      sourceDir: path.dirname(path.resolve(file)),
      onEvent: (event: ControllerEvent) => {
        if (event.type === 'trial-ended') say(progressLine(event, experiment, maxTrials));
      },
    };
    try {
      final = await manager.drive(name, settings, abort.signal);
    } catch (err) {
      if (err instanceof KatibError && err.code === 'cancelled') throw new CliError(err.message, 130);
      if (err instanceof KatibError && err.code === 'aborted') throw new CliError(err.message, 1);
      throw err;
    }
    trials = await parts.experiments.listTrials(name);
    if (dashboard) {
      // The report now, then the dashboard stays up (read-only) until Ctrl-C.
      ended = true;
      stdout.write(
        flags.output === 'json' ? `${JSON.stringify(final, null, 2)}\n` : finalReport(final, trials),
      );
      stderr.write(`experiment ${name} ended; the dashboard stays up until Ctrl-C\n`);
      if (!abort.signal.aborted)
        await new Promise((resolve) => abort.signal.addEventListener('abort', resolve));
    }
  } finally {
    await katib.close();
  }
  if (!dashboard)
    stdout.write(
      flags.output === 'json' ? `${JSON.stringify(final, null, 2)}\n` : finalReport(final, trials),
    );
  const failure = runOutcome(final);
  if (failure) throw failure;
}

/** The CLI's words for what admit refused: another owner (exit 1), a different spec (exit 2). */
function admissionError(err: unknown, name: string, dbUrl: string): unknown {
  if (err instanceof LeaseHeldError)
    return new CliError(
      `${err.message}. Wait for it with --wait, or stop that process; a process that died on this host holds nothing (run this command again), and one on another host loses the lease when it expires, after which running this command again takes the experiment over and resumes it`,
      1,
    );
  if (err instanceof KatibError && err.code === 'already_exists')
    return new CliError(
      `experiment ${name} already exists in ${redactUrl(dbUrl)} with a different spec: rename it in the file, or use another --db`,
      2,
    );
  if (err instanceof KatibError && err.code === 'cancelled') return new CliError(err.message, 130);
  return err;
}

/** Metric collectors `katib run` runs: the others exist only as Kubernetes sidecars. */
const LOCAL_COLLECTORS = ['StdOut', 'File', 'TensorFlowEvent', 'Push', 'Custom'];

/**
 * What the file loader does not check: the algorithm's and the early stopper's own settings rules,
 * and collectors that only Kubernetes runs. Checked before anything is stored, so that the file,
 * once fixed, runs under the same name (a stored experiment's spec cannot change). Exit 2.
 */
function checkRunnable(experiment: Experiment): void {
  const spec = experiment.spec;
  try {
    getSuggester(spec.algorithm.algorithmName).validateSettings(experiment);
    if (spec.earlyStopping?.algorithmName)
      getEarlyStopper(spec.earlyStopping.algorithmName).validateSettings(spec.earlyStopping);
  } catch (err) {
    throw err instanceof KatibError ? new CliError(err.message, 2) : err;
  }
  const kind = spec.metricsCollectorSpec.collector.kind;
  if (!LOCAL_COLLECTORS.includes(kind)) {
    throw new CliError(
      `spec.metricsCollectorSpec.collector.kind: ${JSON.stringify(kind)} is not collected when trials run locally: use ${LOCAL_COLLECTORS.join(', ')}`,
      2,
    );
  }
}
