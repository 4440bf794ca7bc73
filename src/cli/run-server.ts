import path from 'node:path';
import pino from 'pino';
import { KatibError } from '../api/errors.js';
import { startKatibServer } from '../server/index.js';
import { redactUrl } from '../store/index.js';
import type { CleanEnvFlags } from './clean-env-flag.js';
import { type CliContext, CliError } from './context.js';
import type { Setting } from './flags.js';
import { type LimitFlags, limitSettings } from './limit-settings.js';
import type { ServiceFlags } from './options.js';
import type { SecurityFlags } from './security-flags.js';
import { dashboardLink, securitySettings } from './security-settings.js';
import { shutdownSignal } from './signals.js';

export interface ServerFlags extends ServiceFlags, SecurityFlags, LimitFlags, CleanEnvFlags {
  db: Setting;
  workDir: string;
  runner: 'local' | 'kubernetes';
  namespace: string;
  uiWrite?: boolean;
  leaseSeconds: number;
}

/**
 * Runs `katib server` until SIGTERM/SIGINT: checks every setting first (exit 2 naming the bad
 * one), opens the database (exit 1 if it never answers), serves and resumes unfinished
 * experiments; on the signal, stops the controllers (their running trials resume at the next
 * start), drains and closes.
 */
export async function runServer(flags: ServerFlags, context: CliContext): Promise<void> {
  const { env } = context;
  const { listen: grpcListen, httpListen, dbConnectTimeout: connectTimeoutSeconds, db: dbUrl } = flags;
  const workRoot = path.resolve(flags.workDir);
  const limits = limitSettings(flags);
  const ttlSeconds = flags.leaseSeconds;
  const cleanEnv = flags.cleanEnv === true;

  const security = await securitySettings(flags);

  const logger = pino({ name: 'katib-server', level: env.KATIB_LOG_LEVEL || 'info' }, pino.destination(1));
  const runner =
    flags.runner === 'kubernetes' ? await kubernetesRunner(flags.namespace, env, logger) : undefined;
  const signal = shutdownSignal((again) => {
    logger.warn({ signal: again }, 'second signal: exiting without waiting');
    process.exit(1);
  });
  let server: Awaited<ReturnType<typeof startKatibServer>>;
  try {
    server = await startKatibServer({
      db: dbUrl.value,
      workRoot,
      grpcListen,
      httpListen,
      logger,
      connectTimeoutSeconds,
      limits,
      ...(ttlSeconds !== undefined ? { leaseSeconds: ttlSeconds } : {}),
      ...(cleanEnv ? { cleanEnv } : {}),
      ...(runner ? { runner } : {}),
      ...(security.auth ? { auth: security.auth } : {}),
      ...(security.tls ? { tls: security.tls } : {}),
      dashboard: {
        writable: flags.uiWrite === true,
      },
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const code = err instanceof KatibError && err.code === 'invalid_argument' ? 2 : 1;
    throw new CliError(`cannot start with database ${redactUrl(dbUrl.value)}: ${message}`, code);
  }
  logger.info(
    {
      grpcAddress: server.grpcAddress,
      httpAddress: server.httpAddress,
      database: redactUrl(dbUrl.value),
      workDir: workRoot,
      runner: runner ? `kubernetes (${runner.server}, namespace ${runner.namespace})` : 'local',
      resumed: server.resumed,
      dashboard: server.dashboardUrl
        ? dashboardLink(
            server.dashboardUrl,
            server.katib.dbManager.auth?.operatorToken,
            security.tls !== undefined,
          )
        : null,
      auth: security.auth !== undefined,
      tls: security.tls !== undefined,
    },
    'katib server ready',
  );
  const received = await signal;
  logger.info({ signal: received }, 'shutting down: stopping trials (they resume at the next start)');
  await server.close();
  logger.info('katib server stopped');
}

/**
 * The Kubernetes runner for `--runner kubernetes`, checked against its API server before anything
 * starts (exit 1 naming the server when it cannot be used). Trials reach the DB manager through
 * its Service, katib-db-manager in the runner's namespace, unless KATIB_TRIAL_DB_MANAGER_ADDRESS
 * (and ..._HTTP_ADDRESS) say otherwise.
 */
async function kubernetesRunner(
  namespace: string,
  env: CliContext['env'],
  logger: pino.Logger,
): Promise<import('../runner/kubernetes/index.js').KubernetesTrialRunner> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const { KubernetesTrialRunner } = await import('../runner/kubernetes/index.js');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const context = kubeConfig.getContextObject(kubeConfig.getCurrentContext());
  const service = `katib-db-manager.${namespace || context?.namespace || 'default'}.svc`;
  const runner = new KubernetesTrialRunner({
    kubeConfig,
    ...(namespace ? { namespace } : {}),
    dbManagerAddress: env.KATIB_TRIAL_DB_MANAGER_ADDRESS || `${service}:6789`,
    dbManagerHttpAddress: env.KATIB_TRIAL_DB_MANAGER_HTTP_ADDRESS || `${service}:8080`,
    onWarning: (message) => logger.warn(message),
  });
  try {
    await runner.probe();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new CliError(
      `--runner kubernetes: cannot use the Kubernetes API at ${runner.server}: ${message}`,
      1,
    );
  }
  return runner;
}
