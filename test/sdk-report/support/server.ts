import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricLog } from '../../../src/api/observation.js';
import {
  type DbManagerDatabase,
  type RunningDbManager,
  startDbManager,
} from '../../../src/dbmanager/index.js';
import { openDatabase } from '../../../src/store/index.js';

/** An opened database the DB manager serves, with the store to read back from. */
export interface TestDatabase {
  db: DbManagerDatabase;
  read(trialName: string): Promise<MetricLog[]>;
  close(): Promise<void>;
}

/**
 * The real DB manager on a real loopback port, over a SQLite file in a temp directory.
 * `restart` stops it and starts it again on the same port (the store stays open).
 */
export interface TestServer {
  /** `127.0.0.1:port` */
  address: string;
  read(trialName: string): Promise<MetricLog[]>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function openSqliteDatabase(): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'katib-report-'));
  const opened = await openStore(`sqlite:${join(dir, 'katib.db')}`);
  return {
    db: opened.db,
    read: (trialName) => opened.db.observations.get(trialName),
    async close() {
      await opened.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function startTestServer(): Promise<TestServer> {
  const database = await openSqliteDatabase();
  let manager: RunningDbManager | undefined = await startDbManager({
    db: database.db,
    grpcListen: '127.0.0.1:0',
    httpListen: null,
  });
  const address = manager.grpcAddress;
  return {
    address,
    read: database.read,
    async stop() {
      await manager?.close();
      manager = undefined;
    },
    async start() {
      manager = await startDbManager({ db: database.db, grpcListen: address, httpListen: null });
    },
    async close() {
      await manager?.close();
      await database.close();
    },
  };
}

async function openStore(url: string): Promise<{ db: DbManagerDatabase; close(): Promise<void> }> {
  const db = await openDatabase(url);
  return { db, close: () => db.close() };
}
