import { randomUUID } from 'node:crypto';
import {
  type DbManagerDatabase,
  type RunningDbManager,
  type StartDbManagerOptions,
  startDbManager,
} from '../../src/dbmanager/index.js';
import { MemoryObservationStore } from '../support/memory-observation-store.js';
import { TestGrpcClient } from './grpc-clients.js';

/** A database the suites run against; `skip` says why it is not available here. */
export interface TestDatabase {
  name: string;
  skip?: string;
  open(): Promise<OpenedDatabase>;
}

export interface OpenedDatabase {
  db: DbManagerDatabase;
  /** Makes the database stop answering under a running server. */
  breakDatabase(): Promise<void>;
  dispose(): Promise<void>;
}

export function testDatabases(): TestDatabase[] {
  return [
    {
      name: 'memory',
      async open() {
        const store = new MemoryObservationStore();
        return {
          db: { observations: store, ping: () => store.ping(), displayUrl: 'memory:' },
          async breakDatabase() {
            store.down = true;
          },
          async dispose() {},
        };
      },
    },
  ];
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
