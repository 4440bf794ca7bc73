import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import {
  type DatabaseConnection,
  type Driver,
  Kysely,
  type QueryCompiler,
  SqliteDialect,
  type TransactionSettings,
} from 'kysely';
import type { SqliteConfig } from './db-url.js';
import type { KatibTables } from './schema.js';

/**
 * One SQLite connection shared by Kysely and the store's prepared-statement write path. The gate
 * keeps them from interleaving: a Kysely transaction holds it across its awaits, and a write that
 * finds it free runs synchronously without a single promise hop.
 */
export interface SqliteHandle {
  raw: BetterSqlite3.Database;
  kysely: Kysely<KatibTables>;
  gate: ConnectionGate;
}

/**
 * How long a statement waits for another process's write lock before failing SQLITE_BUSY. The wait
 * is synchronous (better-sqlite3), so it stalls this thread: WAL keeps it to writer-vs-writer
 * conflicts, i.e. two processes writing one file.
 */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens the file with WAL and synchronous=NORMAL: in WAL mode a commit is durable across a crash
 * of this process (the WAL is written before `commit` returns; only an OS crash or power loss can
 * lose the last commits, never corrupt the file), and a commit costs no fsync. Readers in other
 * processes (the dashboard, the CLI) never block the writer. Creates the file's directory.
 */
export function openSqlite(config: SqliteConfig): SqliteHandle {
  const memory = config.path === ':memory:';
  if (!memory) mkdirSync(dirname(config.path), { recursive: true });
  const raw = new BetterSqlite3(config.path, { timeout: BUSY_TIMEOUT_MS });
  try {
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = ON');
  } catch (err) {
    raw.close();
    throw err;
  }
  const gate = new ConnectionGate();
  const kysely = new Kysely<KatibTables>({ dialect: new GatedSqliteDialect(raw, gate) });
  return { raw, kysely, gate };
}

/**
 * Runs `work` (Kysely statements on this same connection) inside one `BEGIN IMMEDIATE` transaction:
 * SQLite's single write lock, held across processes, so concurrent openers of one file run
 * migrations one at a time and each sees the others' result (Kysely's migration lock is a no-op on
 * SQLite). The lock is polled with busy_timeout 0 rather than waited for, since a synchronous wait
 * would also stall the holder if it is in this process. Gives up with SQLITE_BUSY after
 * `timeoutMs`. Commits when `work` resolves, rolls back when it rejects.
 */
export async function exclusively<T>(
  handle: SqliteHandle,
  timeoutMs: number,
  work: () => Promise<T>,
): Promise<T> {
  const { raw } = handle;
  const deadline = Date.now() + timeoutMs;
  raw.pragma('busy_timeout = 0');
  try {
    for (;;) {
      try {
        raw.exec('BEGIN IMMEDIATE');
        break;
      } catch (err) {
        if (!/^SQLITE_BUSY/.test(String((err as { code?: unknown }).code)) || Date.now() >= deadline)
          throw err;
        await sleep(LOCK_POLL_MS);
      }
    }
  } finally {
    raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
  try {
    const result = await work();
    raw.exec('COMMIT');
    return result;
  } catch (err) {
    if (raw.inTransaction) raw.exec('ROLLBACK');
    throw err;
  }
}

const LOCK_POLL_MS = 20;

/** A mutex whose free case is synchronous: `tryLock` either takes it at once or says no. */
export class ConnectionGate {
  #held = false;
  readonly #waiters: (() => void)[] = [];

  tryLock(): boolean {
    if (this.#held) return false;
    this.#held = true;
    return true;
  }

  lock(): Promise<void> {
    if (this.tryLock()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Hands the lock straight to the next waiter, in arrival order. */
  unlock(): void {
    const next = this.#waiters.shift();
    if (next === undefined) this.#held = false;
    else next();
  }

  /** Runs `fn` holding the gate; synchronously when it is free. */
  async run<T>(fn: () => T): Promise<T> {
    if (!this.tryLock()) await this.lock();
    try {
      return fn();
    } finally {
      this.unlock();
    }
  }
}

class GatedSqliteDialect extends SqliteDialect {
  readonly #gate: ConnectionGate;

  constructor(raw: BetterSqlite3.Database, gate: ConnectionGate) {
    super({ database: raw });
    this.#gate = gate;
  }

  override createDriver(): Driver {
    return new GatedDriver(super.createDriver(), this.#gate);
  }
}

/** Kysely's SQLite driver, acquiring the shared gate before the connection. */
class GatedDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly gate: ConnectionGate,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.gate.lock();
    try {
      return await this.inner.acquireConnection();
    } catch (err) {
      this.gate.unlock();
      throw err;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.releaseConnection(connection);
    } finally {
      this.gate.unlock();
    }
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.inner.savepoint?.(connection, name, compile);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.inner.rollbackToSavepoint?.(connection, name, compile);
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.inner.releaseSavepoint?.(connection, name, compile);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
