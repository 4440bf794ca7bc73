/**
 * A private MariaDB server for fault tests and the faults bench: its own data directory in a temp
 * folder, its own loopback port and socket, started and stopped here. The shared servers on 3306
 * and 5432 are never touched: other suites use them while this one is restarted.
 *
 * The binaries (`mariadb-install-db`, `mariadbd`) must be installed (Debian/Ubuntu: the
 * `mariadb-server` package). When they are missing, startPrivateMariaDb rejects with an error
 * that says so: a fault test must fail, not skip silently.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { freePort } from './ports.js';

export interface PrivateDbServer {
  readonly dialect: 'mysql';
  readonly port: number;
  /** The temp folder holding the data directory, the socket and the server's log. */
  readonly dir: string;
  /** `mysql://root@127.0.0.1:PORT/NAME` */
  url(database: string): string;
  /** Creates database `name` (if new) and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Whether the server process is running (started and not yet exited). */
  readonly running: boolean;
  /** The server's pid while it runs. */
  readonly pid: number | undefined;
  /** Stops the server: a clean shutdown (SIGTERM), or a crash (SIGKILL) with `crash`. Waits for the exit. */
  stop(options?: { crash?: boolean }): Promise<void>;
  /** Starts the server again on the same data directory and port; resolves when it answers. */
  start(): Promise<void>;
  /** Stops the server (SIGKILL) and deletes its folder. Idempotent. */
  dispose(): Promise<void>;
}

const SEARCH_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/usr/local/mysql/bin'];

/** The path of `name` on PATH or in the usual sbin folders, else undefined. */
function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...SEARCH_DIRS];
  for (const dir of dirs) {
    if (dir === '') continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not there
    }
  }
  return undefined;
}

function requireBinary(names: string[]): string {
  for (const name of names) {
    const path = findBinary(name);
    if (path !== undefined) return path;
  }
  throw new Error(
    `private database server: none of ${names.join(', ')} is installed (on PATH or in ${SEARCH_DIRS.join(', ')}); ` +
      'install MariaDB (e.g. `apt-get install mariadb-server`) to run the database restart tests',
  );
}

/**
 * Installs a fresh data directory and starts a MariaDB server on a free loopback port, root
 * without a password. `bufferPoolMb` sizes InnoDB's buffer pool (default 64: small and quick).
 */
export async function startPrivateMariaDb(options: { bufferPoolMb?: number } = {}): Promise<PrivateDbServer> {
  const installDb = requireBinary(['mariadb-install-db', 'mysql_install_db']);
  const serverBin = requireBinary(['mariadbd', 'mysqld']);
  const dir = mkdtempSync(join(tmpdir(), 'katib-private-mariadb-'));
  const dataDir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const asRoot = process.getuid?.() === 0;
  // mariadbd refuses to run as root unless told to; as anyone else --user is ignored.
  const userArgs = asRoot ? ['--user=root'] : [];
  try {
    await promisify(execFile)(
      installDb,
      [
        '--no-defaults',
        `--datadir=${dataDir}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
        ...userArgs,
      ],
      { timeout: 60_000 },
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`private database server: ${installDb} failed: ${(err as Error).message}`);
  }
  const port = await freePort();
  const args = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${socket}`,
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    '--skip-log-bin',
    '--skip-name-resolve',
    `--innodb-buffer-pool-size=${options.bufferPoolMb ?? 64}M`,
    '--max-connections=500',
    ...userArgs,
  ];
  const logPath = join(dir, 'server.log');
  const log = createWriteStream(logPath, { flags: 'a' });
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  let disposed = false;
  const url = (database: string) => `mysql://root@127.0.0.1:${port}/${database}`;

  const start = async (): Promise<void> => {
    if (child !== undefined) throw new Error('private database server: already running');
    const started = spawn(serverBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    started.stdout?.pipe(log, { end: false });
    started.stderr?.pipe(log, { end: false });
    child = started;
    // A test runner that dies must not leave the server behind.
    const killOnExit = () => started.kill('SIGKILL');
    process.once('exit', killOnExit);
    exited = once(started, 'exit').then(() => {
      process.off('exit', killOnExit);
      if (child === started) child = undefined;
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child !== started) {
        throw new Error(`private database server exited while starting; its log: ${tail(logPath)}`);
      }
      try {
        const conn = await mysql.createConnection({
          host: '127.0.0.1',
          port,
          user: 'root',
          connectTimeout: 1000,
        });
        await conn.end();
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          started.kill('SIGKILL');
          throw new Error(`private database server does not answer on ${port}: ${(err as Error).message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };

  const stop = async ({ crash = false } = {}): Promise<void> => {
    const running = child;
    if (running === undefined) return;
    running.kill(crash ? 'SIGKILL' : 'SIGTERM');
    await exited;
  };

  try {
    await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    dialect: 'mysql',
    port,
    dir,
    url,
    get running() {
      return child !== undefined;
    },
    get pid() {
      return child?.pid;
    },
    async createDatabase(name) {
      const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
      try {
        await conn.query(`CREATE DATABASE IF NOT EXISTS \`${name}\``);
      } finally {
        await conn.end();
      }
      return url(name);
    },
    stop,
    start,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await stop({ crash: true });
      log.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}
