import { randomUUID } from 'node:crypto';
import {
  type DbManagerDatabase,
  type RunningDbManager,
  type StartDbManagerOptions,
  startDbManager,
} from '../../src/dbmanager/index.js';
import { type Database, openDatabase } from '../../src/store/index.js';
import { testDatabases } from '../support/databases.js';
import { TestGrpcClient } from './grpc-clients.js';

/** A database the suites run against; `skip` says why it is not available here. */
export interface TestDatabase {
  name: string;
  skip?: string;
  open(): Promise<OpenedDatabase>;
}

export interface OpenedDatabase {
  db: Database;
  /** Closes the database under a running server: it stops answering. */
  breakDatabase(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * The real stores: SQLite always, MySQL/PostgreSQL when KATIB_TEST_MYSQL_URL/KATIB_TEST_POSTGRES_URL
 * are set (skipped with the reason otherwise). Call at the top level of a test file (it registers
 * the cleanup of the databases it makes); each `open` makes a fresh, empty database.
 */
export async function serverTestDatabases(): Promise<TestDatabase[]> {
  return (await testDatabases()).map((available) => {
    if (available.skipReason !== undefined) {
      return {
        name: available.label,
        skip: available.skipReason,
        open: () => Promise.reject(new Error(available.skipReason)),
      };
    }
    return {
      name: available.label,
      async open() {
        const db = await openDatabase(await available.fresh(), { connectTimeoutSeconds: 10 });
        return {
          db,
          breakDatabase: () => db.close(),
          dispose: () => db.close(),
        };
      },
    };
  });
}

export interface TestServer {
  manager: RunningDbManager;
  grpc: TestGrpcClient;
  /** `http://host:port` of the HTTP port. */
  httpBase: string;
  stop(): Promise<void>;
}

export async function startTestServer(
  db: DbManagerDatabase,
  options: Partial<StartDbManagerOptions> = {},
): Promise<TestServer> {
  const manager = await startDbManager({
    db,
    grpcListen: '127.0.0.1:0',
    httpListen: '127.0.0.1:0',
    ...options,
  });
  const grpc = new TestGrpcClient(manager.grpcAddress);
  return {
    manager,
    grpc,
    httpBase: `http://${manager.httpAddress}`,
    async stop() {
      grpc.close();
      await manager.close();
    },
  };
}

/** POSTs a Connect-protocol JSON unary call, as `curl -H 'Content-Type: application/json' -d ...` does. */
export async function postJson(
  httpBase: string,
  method: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${httpBase}/api.v1.beta1.DBManager/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** A trial name no other test uses (suites may share one database). */
export function uniqueTrial(prefix = 'trial'): string {
  return `${prefix}-${randomUUID()}`;
}
