/** Shared by the injection suites: a real DB manager on SQLite, and processes run to their end. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RunningDbManager, startDbManager } from '../../src/dbmanager/index.js';
import { type Database, openDatabase } from '../../src/store/index.js';

export interface TestDbManager {
  db: Database;
  server: RunningDbManager;
  http: string;
  dir: string;
  /** [name, value] of a trial's stored logs, in order. */
  stored(trial: string): Promise<[string, string][]>;
  close(): Promise<void>;
}

/** A DB manager on a fresh SQLite file, HTTP JSON on a free loopback port. */
export async function startTestDbManager(): Promise<TestDbManager> {
  const dir = mkdtempSync(path.join(tmpdir(), 'katib-inject-'));
  const db = await openDatabase(`sqlite:${path.join(dir, 'katib.db')}`);
  const server = await startDbManager({ db, grpcListen: '127.0.0.1:0', httpListen: '127.0.0.1:0' });
  return {
    db,
    server,
    http: server.httpAddress!,
    dir,
    stored: async (trial) => (await db.observations.get(trial)).map((l) => [l.name, l.value]),
    async close() {
      await server.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end with `env` over a clean copy of this process's env. */
export function run(argv: string[], env: Record<string, string> = {}, input?: string): Promise<Ran> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(KATIB_|NODE_OPTIONS$|PYTHONPATH$)/.test(k)),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      env: { ...base, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}
