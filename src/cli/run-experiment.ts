import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { KatibError } from '../api/errors.js';
import type { Experiment } from '../api/experiment.js';
import type { Trial } from '../api/trial.js';
import { isFinished, startLocalKatib } from '../controller/index.js';
import { getEarlyStopper, knownEarlyStoppers } from '../earlystopping/index.js';
import { formatIssue, loadExperimentFileWithWarnings } from '../spec/index.js';
import { redactUrl } from '../store/index.js';
import { getSuggester, knownAlgorithms } from '../suggestion/index.js';
import { type Dashboard, mountDashboard } from '../ui/index.js';
import { configMapFiles } from './config-map-setting.js';
import type { CliContext } from './context.js';
import { CliError, usageError } from './context.js';
import { databaseSetting } from './database-setting.js';
import { finalReport, progressLine } from './experiment-output.js';
import { type LimitFlags, limitSettings } from './limit-settings.js';
import { flagOrEnv, listenAddress } from './options.js';
import type { SecurityFlags } from './security-flags.js';
import { dashboardLink, securitySettings } from './security-settings.js';
import { shutdownSignal } from './signals.js';

export interface RunFlags extends SecurityFlags, LimitFlags {
  db?: string;
  workDir?: string;
  output: string;
  quiet?: boolean;
  /** `--ui` alone (true) or with the dashboard's `host:port`. */
  ui?: boolean | string;
  configMap?: string[];
}

/**
 * Loads, validates and runs the experiment in FILE; resumes it when the database already holds the
 * same experiment. Exit code: 0 Succeeded, 1 Failed, 2 bad usage/file, 130 interrupted.
 */
export async function runExperiment(file: string, flags: RunFlags, context: CliContext): Promise<void> {
  const { env, stdout, stderr } = context;
  if (flags.output !== 'text' && flags.output !== 'json')
    throw usageError('--output', flags.output, 'must be text or json');
  const dbUrl = databaseSetting(flags.db, env).value;
  const workDir = flagOrEnv('--work-dir', flags.workDir, env, 'KATIB_WORK_DIR', '.katib').value;
  const security = await securitySettings(flags, env);
  const limits = limitSettings(flags, env);
  const say = (line: string): void => {
    if (!flags.quiet) stderr.write(`${line}\n`);
  };

  const { experiment, warnings } = await loadExperimentFileWithWarnings(file, {
    knownAlgorithms: knownAlgorithms(),
    knownEarlyStopping: knownEarlyStoppers(),
    runner: 'local',
    configMapFiles: configMapFiles(flags.configMap, env),
  }).catch((err: unknown) => {
    throw err instanceof KatibError ? new CliError(err.message.replace(/\n/g, '\n  '), 2) : err;
  });
  checkRunnable(experiment);
  for (const w of warnings) say(`warning: ${formatIssue(w)}`);
  const name = experiment.metadata.name;

  const workRoot = path.resolve(workDir, name);
  const uiListen =
    flags.ui === undefined || flags.ui === false
      ? undefined
      : listenAddress({ value: flags.ui === true ? '127.0.0.1:0' : flags.ui, source: '--ui' });
  const katib = await startLocalKatib({
    db: dbUrl,
    workRoot,
    limits,
    ...(uiListen !== undefined ? { httpListen: uiListen } : {}),
    ...(security.auth ? { auth: security.auth } : {}),
    ...(security.tls ? { tls: security.tls } : {}),
  }).catch((err: unknown) => {
    throw new CliError(
      `cannot open database ${redactUrl(dbUrl)}: ${err instanceof Error ? err.message : String(err)}`,
      1,
    );
  });
  let dashboard: Dashboard | undefined;
  if (uiListen !== undefined && katib.dbManager.httpRoutes && katib.dbManager.httpAddress) {
    dashboard = mountDashboard(katib.dbManager.httpRoutes, {
      db: katib.db,
      service: katib.dbManager.service,
      workRoot,
    });
    const url = dashboard.urlFor(katib.dbManager.httpAddress);
    stderr.write(
      `dashboard: ${dashboardLink(url, katib.dbManager.auth?.operatorToken, security.tls !== undefined)}\n`,
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
    const stored = await katib.experiments.getExperiment(name);
    if (!stored) {
      await katib.experiments.createExperiment(experiment);
      say(
        `experiment ${name}: created in ${redactUrl(dbUrl)}; trials push to ${katib.dbManager.grpcAddress}`,
      );
    } else if (!isDeepStrictEqual(stored.spec, experiment.spec)) {
      throw new CliError(
        `experiment ${name} already exists in ${redactUrl(dbUrl)} with a different spec: rename it in the file, or use another --db`,
        2,
      );
    } else {
      say(isFinished(stored) ? `experiment ${name}: already finished` : `experiment ${name}: resuming`);
    }
    const maxTrials = experiment.spec.maxTrialCount;
    const noticed = new Set<string>();
    const controller = katib.controller({
      onNotice: (message) => {
        if (noticed.has(message)) return;
        noticed.add(message);
        say(`notice: ${message}`);
      },
      sourceDir: path.dirname(path.resolve(file)),
      onEvent: (event) => {
        dashboard?.notify(name);
        if (event.type === 'trial-ended') say(progressLine(event, experiment, maxTrials));
      },
    });
    try {
      final = await controller.run(name, abort.signal);
    } catch (err) {
      if (err instanceof KatibError && err.code === 'cancelled') throw new CliError(err.message, 130);
      throw err;
    }
    trials = await katib.experiments.listTrials(name);
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
    dashboard?.close();
    await katib.close();
  }
  if (!dashboard)
    stdout.write(
      flags.output === 'json' ? `${JSON.stringify(final, null, 2)}\n` : finalReport(final, trials),
    );
  if (final.status?.conditions.some((c) => c.type === 'Failed' && c.status === 'True')) {
    throw new CliError(`experiment ${name} failed: ${final.status.conditions.at(-1)?.message ?? ''}`, 1);
  }
}

/** Metric collectors `katib run` runs: the others exist only as Kubernetes sidecars. */
const LOCAL_COLLECTORS = ['StdOut', 'File', 'Push', 'Custom'];

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
