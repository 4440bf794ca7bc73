/**
 * Faults bench: nothing acknowledged is lost under faults and load. A storm of reporting
 * processes (default 200, for 60 s) each pushes uniquely numbered points with awaited
 * reportMetrics calls to a real `katib db-manager` process over a private MariaDB server, while
 * the bench kills the DB manager twice (SIGKILL, restarted on the same port and database) and
 * restarts the database server once (SIGKILL by default: a crash, then InnoDB's recovery).
 * Then it compares what every reporter was told with what the database holds.
 *
 * Prints ONE JSON line on stdout (progress on stderr):
 *   acknowledged   pushes that resolved (each one point)
 *   stored         rows stored for the reporters' trials
 *   duplicates     stored rows minus distinct points stored (must be 0: a push committed whose
 *                  reply was lost is retried with its idempotency key and not stored again)
 *   lost           acknowledged points missing from the database
 *   codes          every error code the reporters saw, with counts: failed attempts the SDK
 *                  retried (reportMetrics' onRetry) and pushes that rejected
 *   failed_codes   of those, the codes of pushes that rejected in the end ({} when none did)
 *   peak_rss_mb    the DB manager's peak RSS over its three processes
 * and seconds, processes, kills, db_restarts, store, failed, unacknowledged_stored, unknown_stored,
 * acknowledged_per_s, slow_pushes (over 1 s: retried through a fault), max_push_ms,
 * db_manager_start_ms, db_down_ms, reporter_rss_mb / reporter_private_mb (largest).
 * Exits 1 when lost or duplicates (or unknown_stored) is above 0.
 *
 * Settings (env): KATIB_BENCH_FAULTS_SECONDS (60), KATIB_BENCH_FAULTS_PROCESSES (200),
 * KATIB_BENCH_FAULTS_DB_DOWN_SECONDS (3), KATIB_BENCH_FAULTS_DB_STOP (crash | clean).
 * Needs MariaDB's binaries (mariadb-install-db, mariadbd); the shared servers are not used.
 *
 * Run: `npm run bench:faults` (builds first: the DB manager and the reporters run the build).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../src/store/index.js';
import { freePort } from '../test/support/fixtures.js';
import { type PrivateDbServer, startPrivateMariaDb } from '../test/support/private-db-server.js';
import { DbManagerProcess } from './faults/db-manager-process.js';
import { ReporterPool } from './faults/reporters.js';
import { readStoredPoints, tally } from './faults/tally.js';

const PREFIX = 'faults-';

function setting(name: string, fallback: number, min: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min) {
    process.stderr.write(`${name}: ${JSON.stringify(text)} must be a number >= ${min}\n`);
    process.exit(2);
  }
  return value;
}

const SECONDS = setting('KATIB_BENCH_FAULTS_SECONDS', 60, 1);
const PROCESSES = Math.round(setting('KATIB_BENCH_FAULTS_PROCESSES', 200, 1));
const DB_DOWN_SECONDS = setting('KATIB_BENCH_FAULTS_DB_DOWN_SECONDS', 3, 0);
const DB_STOP = process.env.KATIB_BENCH_FAULTS_DB_STOP || 'crash';
if (DB_STOP !== 'crash' && DB_STOP !== 'clean') {
  process.stderr.write(`KATIB_BENCH_FAULTS_DB_STOP: ${JSON.stringify(DB_STOP)} must be crash or clean\n`);
  process.exit(2);
}

const began = performance.now();
function progress(message: string): void {
  const at = ((performance.now() - began) / 1000).toFixed(1);
  process.stderr.write(`bench:faults ${at}s ${message}\n`);
}

async function main(): Promise<number> {
  progress(`private MariaDB; ${PROCESSES} reporters for ${SECONDS} s`);
  let server: PrivateDbServer | undefined;
  let manager: DbManagerProcess | undefined;
  let pool: ReporterPool | undefined;
  try {
    server = await startPrivateMariaDb({ bufferPoolMb: 256 });
    const dbUrl = await server.createDatabase('katib_faults');
    const schema = await openDatabase(dbUrl); // the schema, before any DB manager starts
    await schema.close();
    manager = new DbManagerProcess(await freePort(), dbUrl);
    await manager.start();
    progress(`db manager at ${manager.address}; starting reporters`);
    pool = await ReporterPool.start(PROCESSES, manager.address, PREFIX);

    progress('go');
    const start = performance.now();
    pool.go();
    const at = (fraction: number) =>
      sleep(Math.max(0, start + fraction * SECONDS * 1000 - performance.now()));
    let kills = 0;
    const killManager = async () => {
      await manager!.kill();
      kills++;
      progress(`db manager killed (SIGKILL, ${kills}); restarting`);
      await manager!.start();
      progress(`db manager ready again in ${manager!.startMs.at(-1)} ms`);
    };
    await at(0.2);
    await killManager();
    await at(0.45);
    const down = performance.now();
    await server.stop({ crash: DB_STOP === 'crash' });
    progress(`database stopped (${DB_STOP})`);
    await sleep(DB_DOWN_SECONDS * 1000);
    await server.start();
    const dbDownMs = Math.round(performance.now() - down);
    progress(`database answers again after ${dbDownMs} ms`);
    await at(0.7);
    await killManager();
    await at(1);

    progress('stopping reporters (each after its push in flight)');
    const results = await pool.finish();
    const seconds = (performance.now() - start) / 1000;
    pool = undefined;
    progress('reading the database');
    const stored = await readStoredPoints(dbUrl, PREFIX);
    const t = tally(results, stored);
    const codes: Record<string, number> = {};
    const failedCodes: Record<string, number> = {};
    const count = (into: Record<string, number>, from: Record<string, number>) => {
      for (const [code, n] of Object.entries(from)) into[code] = (into[code] ?? 0) + n;
    };
    for (const r of results) {
      count(codes, r.retry_codes);
      count(codes, r.codes);
      count(failedCodes, r.codes);
    }
    const figures = {
      acknowledged: t.acknowledged,
      stored: t.stored,
      duplicates: t.duplicates,
      lost: t.lost,
      codes,
      failed_codes: failedCodes,
      peak_rss_mb: manager.peakRssMb,
      seconds: Math.round(seconds * 10) / 10,
      processes: PROCESSES,
      kills,
      db_restarts: 1,
      db_stop: DB_STOP,
      store: 'mysql (private MariaDB)',
      failed: t.failed,
      unacknowledged_stored: t.unacknowledged_stored,
      unknown_stored: t.unknown_stored,
      acknowledged_per_s: Math.round(t.acknowledged / seconds),
      slow_pushes: results.reduce((s, r) => s + r.slow, 0),
      max_push_ms: Math.max(...results.map((r) => r.max_ms)),
      db_manager_start_ms: manager.startMs,
      db_down_ms: dbDownMs,
      reporter_rss_mb: Math.max(...results.map((r) => r.rss_mb)),
      reporter_private_mb: Math.max(...results.map((r) => r.private_mb)),
    };
    await manager.stop();
    progress(`done in ${Math.round((performance.now() - began) / 1000)} s`);
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    return t.lost > 0 || t.duplicates > 0 || t.unknown_stored > 0 ? 1 : 0;
  } finally {
    pool?.kill();
    await manager?.kill();
    await server?.dispose();
  }
}

process.exitCode = await main();
