/**
 * The parts every entry point runs in one process: the database, the DB manager (on free loopback
 * ports unless told otherwise, so trials push over real sockets, gRPC or HTTP JSON), the runner,
 * and controllers wired to them. Pull collectors write through the same DB manager service that
 * serves the trials' pushes: one write path. openKatib (open-katib.ts) adds the experiment
 * manager, the leases and the dashboard on top; tests that drive one controller use this alone.
 */
import type { Logger } from 'pino';
import { type ControllerEvent, ExperimentController } from '../controller/index.js';
import {
  type AuthSettings,
  type DbManagerLimits,
  openAuth,
  type RunningDbManager,
  startDbManager,
  type TlsMaterial,
} from '../dbmanager/index.js';
import { LocalTrialRunner, type TrialRunner } from '../runner/index.js';
import { type Database, type ExperimentStore, openDatabase } from '../store/index.js';

export interface LocalKatibOptions {
  /** Database URL (sqlite:PATH, mysql://..., postgres://...). */
  db: string;
  /** Trial T of experiment E runs in `<workRoot>/E/T` (see trialDir). */
  workRoot: string;
  /** gRPC listen address of the embedded DB manager; default a free loopback port. */
  grpcListen?: string;
  /** HTTP listen address (Connect JSON, dashboard); default a free loopback port; null for none. */
  httpListen?: string | null;
  logger?: Logger;
  connectTimeoutSeconds?: number;
  runner?: TrialRunner;
  /**
   * Authentication on the DB manager (docs/security.md): trials get their tokens in
   * KATIB_TRIAL_TOKEN. The secret defaults to the one kept in the database. Default off.
   */
  auth?: AuthSettings;
  /** TLS on the DB manager's ports; trials trust `caFile` (KATIB_DB_MANAGER_CA). Default off. */
  tls?: TlsMaterial & { caFile?: string };
  /** The embedded DB manager's limits (see startDbManager); each left out keeps its default. */
  limits?: Partial<DbManagerLimits>;
  /** Local trials start from a clean environment unless their experiment says otherwise (TrialExecutionContext.cleanEnv). */
  cleanEnv?: boolean;
}

export interface ControllerSettings {
  sourceDir?: string;
  extraEnv?: Record<string, string>;
  onEvent?: (event: ControllerEvent) => void;
  onNotice?: (message: string) => void;
}

export interface LocalKatib {
  readonly db: Database;
  readonly experiments: ExperimentStore;
  readonly dbManager: RunningDbManager;
  /** What runs the trials (local processes unless LocalKatibOptions.runner says otherwise). */
  readonly runner: TrialRunner;
  controller(settings?: ControllerSettings): ExperimentController;
  /** Stops the DB manager (draining calls) and closes the database. */
  close(): Promise<void>;
}

export async function startLocalKatib(options: LocalKatibOptions): Promise<LocalKatib> {
  const db = await openDatabase(options.db, {
    ...(options.connectTimeoutSeconds !== undefined
      ? { connectTimeoutSeconds: options.connectTimeoutSeconds }
      : {}),
  });
  let dbManager: RunningDbManager;
  const { tls } = options;
  try {
    const auth = options.auth ? await openAuth(options.auth, db.kysely) : undefined;
    dbManager = await startDbManager({
      db,
      grpcListen: options.grpcListen ?? '127.0.0.1:0',
      httpListen: options.httpListen === undefined ? '127.0.0.1:0' : options.httpListen,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(auth ? { auth } : {}),
      ...(tls ? { tls: { cert: tls.cert, key: tls.key } } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
    });
  } catch (err) {
    await db.close();
    throw err;
  }
  const runner = options.runner ?? new LocalTrialRunner();
  const addresses = {
    grpc: dbManager.grpcAddress,
    ...(dbManager.httpAddress ? { http: dbManager.httpAddress } : {}),
  };
  const auth = dbManager.auth;
  const trialAccess = {
    ...(auth ? { tokenFor: (trialName: string) => auth.tokenFor(trialName) } : {}),
    ...(tls ? { tls: tls.caFile !== undefined ? { caFile: tls.caFile } : {} } : {}),
  };
  let closing: Promise<void> | undefined;
  return {
    db,
    experiments: db.experiments,
    dbManager,
    runner,
    controller(settings = {}) {
      return new ExperimentController({
        experiments: db.experiments,
        observations: db.observations,
        runner,
        writeLogs: (trialName, logs) => dbManager.service.reportLogs(trialName, logs),
        onReported: (listener) => dbManager.service.onReported(listener),
        addresses,
        workRoot: options.workRoot,
        trialAccess,
        ...(options.cleanEnv ? { cleanEnv: true } : {}),
        ...settings,
      });
    },
    close() {
      closing ??= (async () => {
        try {
          await dbManager.close();
        } finally {
          await db.close();
        }
      })();
      return closing;
    },
  };
}
