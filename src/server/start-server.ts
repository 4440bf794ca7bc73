import type { Logger } from 'pino';
import type { DbManagerLimits } from '../dbmanager/index.js';
import {
  type ExperimentManager,
  type LocalKatib,
  type LocalKatibOptions,
  openKatib,
} from '../manager/index.js';
import type { TrialRunner } from '../runner/index.js';
import { experimentService } from './experiment-service.js';

export interface KatibServerOptions {
  /** Database URL (sqlite:PATH, mysql://..., postgres://...). */
  db: string;
  /** Trial T of experiment E runs in `<workRoot>/E/T`. */
  workRoot: string;
  /** gRPC `HOST:PORT`: Katib's DBManager and katib-ts's management API. Default 127.0.0.1:6789. */
  grpcListen?: string;
  /** HTTP `HOST:PORT` (DBManager as JSON, /healthz) or null for none. Default 127.0.0.1:8080. */
  httpListen?: string | null;
  logger?: Logger;
  connectTimeoutSeconds?: number;
  /** What runs the trials; default local processes. */
  runner?: TrialRunner;
  /**
   * The dashboard on the HTTP port (when there is one): read-only unless `writable`, which lets
   * it delete experiments. Default `{}` (read-only); null for none.
   */
  dashboard?: { writable?: boolean } | null;
  /** Authentication on both ports (docs/security.md); the management API needs the operator token. */
  auth?: LocalKatibOptions['auth'];
  /** TLS on both ports; trials trust `caFile`. */
  tls?: LocalKatibOptions['tls'];
  /** The DB manager's limits, on both ports (see startDbManager); each left out keeps its default. */
  limits?: Partial<DbManagerLimits>;
  /** Seconds an experiment's lease lasts without a heartbeat (see ExperimentLeases). Default 30. */
  leaseSeconds?: number;
  /** Local trials start from a clean environment unless their experiment says otherwise. */
  cleanEnv?: boolean;
}

export interface RunningKatibServer {
  readonly grpcAddress: string;
  readonly httpAddress: string | null;
  readonly manager: ExperimentManager;
  readonly katib: LocalKatib;
  /** The dashboard's URL, or null without one. */
  readonly dashboardUrl: string | null;
  /** The unfinished experiments it resumed at start. */
  readonly resumed: readonly string[];
  /** Stops the controllers (running trials are resumed by the next start), drains and closes. */
  close(): Promise<void>;
}

/**
 * `katib server`: openKatib (the database, the DB manager: Katib's DBManager on gRPC and as JSON on
 * HTTP, the runner, the experiment manager with its leases, the dashboard) with the management API
 * on the same gRPC port, and a controller for every experiment that has not finished, resumed at
 * start; one that another process owns is taken over when that owner's lease ends. Trials run as
 * local processes, or with `options.runner` (e.g. as Kubernetes Jobs).
 */
export async function startKatibServer(options: KatibServerOptions): Promise<RunningKatibServer> {
  const { logger } = options;
  const katib = await openKatib({
    db: options.db,
    workRoot: options.workRoot,
    grpcListen: options.grpcListen ?? '127.0.0.1:6789',
    httpListen: options.httpListen === undefined ? '127.0.0.1:8080' : options.httpListen,
    lease: {
      program: 'katib server',
      ...(options.leaseSeconds !== undefined ? { ttlSeconds: options.leaseSeconds } : {}),
    },
    ...(options.dashboard !== null ? { dashboard: options.dashboard ?? {} } : {}),
    ...(logger ? { logger } : {}),
    ...(options.connectTimeoutSeconds !== undefined
      ? { connectTimeoutSeconds: options.connectTimeoutSeconds }
      : {}),
    ...(options.runner ? { runner: options.runner } : {}),
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.cleanEnv ? { cleanEnv: true } : {}),
    onEvent: (experiment, event) => {
      if (event.type === 'trial-ended') {
        const { trial, outcome } = event;
        logger?.info(
          { experiment, trial: trial.name, condition: outcome.condition, reason: outcome.reason },
          'trial ended',
        );
      } else if (event.type === 'experiment-ended') {
        const state = event.experiment.status?.conditions.at(-1);
        logger?.info({ experiment, condition: state?.type, reason: state?.reason }, 'experiment ended');
      }
    },
  });
  const { parts, manager } = katib;
  let resumed: string[];
  try {
    parts.dbManager.addGrpcService(experimentService(manager));
    resumed = await manager.resumeAll({ waitForHeld: true });
  } catch (err) {
    await katib.close();
    throw err;
  }
  return {
    grpcAddress: parts.dbManager.grpcAddress,
    httpAddress: parts.dbManager.httpAddress,
    manager,
    katib: parts,
    dashboardUrl: katib.dashboardUrl,
    resumed,
    close: () => katib.close(),
  };
}
