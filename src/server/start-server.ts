import type { Logger } from 'pino';
import { type LocalKatib, type LocalKatibOptions, startLocalKatib } from '../controller/index.js';
import type { DbManagerLimits } from '../dbmanager/index.js';
import type { TrialRunner } from '../runner/index.js';
import { type Dashboard, mountDashboard } from '../ui/index.js';
import { ExperimentManager } from './experiment-manager.js';
import { EXPERIMENT_SERVICE_GRPC, experimentServiceImplementation } from './experiment-service.js';

export interface KatibServerOptions {
  /** Database URL (sqlite:PATH, mysql://..., postgres://...). */
  db: string;
  /** Trials' folders go under `<workRoot>/<trialName>`. */
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
 * `katib server`: the database, the DB manager (Katib's DBManager on gRPC, and as JSON on HTTP),
 * the management API on the same gRPC port, and a controller for every experiment that has not
 * finished, resumed at start; trials run as local processes, or with `options.runner` (e.g. as
 * Kubernetes Jobs).
 */
export async function startKatibServer(options: KatibServerOptions): Promise<RunningKatibServer> {
  const { logger } = options;
  const katib = await startLocalKatib({
    db: options.db,
    workRoot: options.workRoot,
    grpcListen: options.grpcListen ?? '127.0.0.1:6789',
    httpListen: options.httpListen === undefined ? '127.0.0.1:8080' : options.httpListen,
    ...(logger ? { logger } : {}),
    ...(options.connectTimeoutSeconds !== undefined
      ? { connectTimeoutSeconds: options.connectTimeoutSeconds }
      : {}),
    ...(options.runner ? { runner: options.runner } : {}),
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.cleanEnv ? { cleanEnv: true } : {}),
  });
  const manager = new ExperimentManager({
    katib,
    workRoot: options.workRoot,
    ...(logger ? { logger } : {}),
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
  let resumed: string[];
  let dashboard: Dashboard | undefined;
  try {
    katib.dbManager.addGrpcService(EXPERIMENT_SERVICE_GRPC, experimentServiceImplementation(manager));
    const dashboardOptions = options.dashboard === undefined ? {} : options.dashboard;
    if (dashboardOptions && katib.dbManager.httpRoutes) {
      dashboard = mountDashboard(katib.dbManager.httpRoutes, {
        db: katib.db,
        service: katib.dbManager.service,
        workRoot: options.workRoot,
        onChange: (listener) => manager.onChange(listener),
        writable: dashboardOptions.writable ?? false,
        actions: { delete: (name) => manager.delete(name) },
      });
    }
    resumed = await manager.resumeAll();
  } catch (err) {
    dashboard?.close();
    await katib.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    grpcAddress: katib.dbManager.grpcAddress,
    httpAddress: katib.dbManager.httpAddress,
    manager,
    katib,
    dashboardUrl:
      dashboard && katib.dbManager.httpAddress ? dashboard.urlFor(katib.dbManager.httpAddress) : null,
    resumed,
    close() {
      closing ??= (async () => {
        try {
          // Open event streams would hold the HTTP drain for its whole timeout.
          dashboard?.close();
          await manager.close();
        } finally {
          await katib.close();
        }
      })();
      return closing;
    },
  };
}
