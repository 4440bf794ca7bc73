/**
 * Push benchmark: trial-side reporting through the real DB manager (its own process, gRPC on
 * loopback) into the real store. Prints ONE JSON line of figures; progress goes to stderr.
 *
 *   points_per_s            8 concurrent trial processes, batched reporter: points stored / s
 *   raw_sqlite_rows_per_s   plain better-sqlite3 batched inserts into the same table and index
 *   points_ratio_vs_raw     points_per_s / raw_sqlite_rows_per_s
 *   single_reports_per_s    one process awaiting one-point reportMetrics calls (durable each)
 *   raw_h2_roundtrips_per_s bare node:http2 request/response round trips, same shape of run
 *   single_ratio_vs_raw_h2, p99_ms (of single reports), raw_h2_p99_ms
 *   stream_points_per_s     one process, batched reporter in a tight loop, then flush()
 *   import_ms               `node -e "<import katib-ts/report; one report>"` minus `node -e 0`
 *   rss_mb                  the DB manager process's peak RSS
 * and figures that say where time goes, for whoever must act on a missed target:
 *   client_only_reports_per_s  single reports against a bare node:http2 server answering like
 *                              gRPC at zero cost: the report client alone (vs raw h2)
 *   *_client_cpu_us, *_server_cpu_us  CPU time per call / per point in the trial processes and
 *                              in the DB manager process; points_server_rss_mb after the batched run
 * and, when KATIB_TEST_MYSQL_URL / KATIB_TEST_POSTGRES_URL are set, the same prefixed mysql_ /
 * postgres_ (raw_mysql_rows_per_s / raw_postgres_rows_per_s being the plain driver's inserts).
 *
 * Run: `npm run bench:push` (builds first: children import the built package as trials do).
 * `BENCH_IMPL=grpc-js npm run bench:push` gives the same figures with the DB manager's gRPC port
 * and the trial-side client on @grpc/grpc-js + protobuf-es (bench/support/grpc-js-*.mjs) instead
 * of the hand-written node:http2 server, decoder and client, so that choice (DESIGN.md,
 * docs/architecture-rpc.md) can be re-measured when the libraries improve. The raw_* references
 * do not depend on it; client_only_* then measure the grpc-js client.
 */
import { spawnSync } from 'node:child_process';
import { openDatabase } from '../src/store/index.js';
import { median, ROOT, runChild, startChild } from './support/child.js';
import { type BenchDatabase, benchDatabases } from './support/databases.js';

const TRIALS = 8;
const SINGLE_MS = Number(process.env.BENCH_SINGLE_MS ?? 3000);
const SQLITE_POINTS_PER_TRIAL = Number(process.env.BENCH_POINTS_PER_TRIAL ?? 50_000);
const SERVER_POINTS_PER_TRIAL = Math.round(SQLITE_POINTS_PER_TRIAL / 2);
const STREAM_POINTS = 200_000;
const RAW_BATCH = 2_000;
const IMPL = process.env.BENCH_IMPL ?? 'katib-ts';
if (IMPL !== 'katib-ts' && IMPL !== 'grpc-js') {
  throw new Error(`BENCH_IMPL=${IMPL}: must be katib-ts (the default) or grpc-js`);
}

type Figures = Record<string, number>;
type Timed = { count: number; secs: number; p99_ms: number; cpu_us: number };
type Streamed = { points: number; secs: number; cpu_us_per_point: number };
type ServerStats = { cpuUs: number; rssKb: number; maxRssKb: number };

function progress(message: string): void {
  process.stderr.write(`bench:push ${message}\n`);
}

const round = (n: number, digits = 0) => Number(n.toFixed(digits));

async function prepareSchema(url: string): Promise<void> {
  const db = await openDatabase(url);
  await db.close();
}

/** Bare node:http2 round trips, and the report client alone against a zero-cost gRPC-shaped server. */
async function references(): Promise<Figures> {
  progress('raw node:http2 round trips');
  const h2 = startChild('./h2-echo-server.mjs', []);
  const { port } = await h2.next<{ port: number }>();
  const raw = await runChild<Timed>('./h2-roundtrips.mjs', [String(port), String(SINGLE_MS)]);
  await h2.end();
  progress('report client alone (gRPC-shaped bare server)');
  const shaped = startChild('./grpc-shaped-server.mjs', []);
  const shapedAt = await shaped.next<{ port: number }>();
  const alone = await runChild<Timed>('./single-reports.mjs', [
    `127.0.0.1:${shapedAt.port}`,
    String(SINGLE_MS),
  ]);
  await shaped.end();
  const rawRate = raw.count / raw.secs;
  return {
    raw_h2_roundtrips_per_s: round(rawRate),
    raw_h2_p99_ms: round(raw.p99_ms, 2),
    raw_h2_client_cpu_us: round(raw.cpu_us, 1),
    client_only_reports_per_s: round(alone.count / alone.secs),
    client_only_ratio_vs_raw_h2: round(alone.count / alone.secs / rawRate, 3),
    client_only_p99_ms: round(alone.p99_ms, 2),
    client_only_client_cpu_us: round(alone.cpu_us, 1),
  };
}

function importMs(address: string): number {
  progress('import cost');
  const code =
    IMPL === 'grpc-js'
      ? "const c = await import('./bench/support/grpc-js-client.mjs'); await c.reportMetrics({ loss: 0.5 }, { trialName: 'bench-import', dbManagerAddress: process.env.KATIB_DB_MANAGER_ADDRESS }); await c.closeReportConnections();"
      : "const { reportMetrics } = await import('katib-ts/report'); await reportMetrics({ loss: 0.5 });";
  const env = { ...process.env, KATIB_TRIAL_NAME: 'bench-import', KATIB_DB_MANAGER_ADDRESS: address };
  const time = (args: string[]) => {
    const start = performance.now();
    const result = spawnSync(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr}`);
    return performance.now() - start;
  };
  const bare: number[] = [];
  const full: number[] = [];
  for (let i = 0; i < 9; i++) {
    bare.push(time(['-e', '0']));
    full.push(time(['--input-type=module', '-e', code]));
  }
  return round(median(full) - median(bare), 1);
}

async function benchOne(db: BenchDatabase, rawH2Rate: number): Promise<Figures> {
  const p = db.prefix;
  const name = p === '' ? 'sqlite' : p.slice(0, -1);
  await prepareSchema(db.url);
  await prepareSchema(db.rawUrl);
  const server = startChild('./db-manager-child.mjs', [db.url]);
  const { grpcAddress } = await server.next<{ grpcAddress: string }>();
  const stats = () => {
    server.send('stats');
    return server.next<ServerStats>();
  };
  const figures: Figures = {};
  try {
    const perTrial = p === '' ? SQLITE_POINTS_PER_TRIAL : SERVER_POINTS_PER_TRIAL;
    const total = TRIALS * perTrial;
    progress(`${name}: ${TRIALS} trials x ${perTrial} points, batched`);
    const trials = Array.from({ length: TRIALS }, (_, i) =>
      startChild('./batch-reporter.mjs', [grpcAddress, `bench-batch-${i}`, String(perTrial)]),
    );
    await Promise.all(trials.map((t) => t.next()));
    const before = await stats();
    const start = performance.now();
    for (const t of trials) t.send('go');
    const runs = await Promise.all(trials.map((t) => t.next<Streamed>()));
    const secs = (performance.now() - start) / 1000;
    const after = await stats();
    await Promise.all(trials.map((t) => t.end()));
    const stored = await db.count('bench-batch-');
    if (stored !== TRIALS * (perTrial + 1)) {
      throw new Error(`${name}: ${stored} points stored, ${TRIALS * (perTrial + 1)} reported`);
    }
    figures[`${p}points_per_s`] = round(total / secs);
    figures[`${p}points_client_cpu_us_per_point`] = round(
      runs.reduce((sum, r) => sum + r.cpu_us_per_point, 0) / runs.length,
      2,
    );
    figures[`${p}points_server_cpu_us_per_point`] = round((after.cpuUs - before.cpuUs) / total, 2);
    figures[`${p}points_server_rss_mb`] = round(after.maxRssKb / 1024, 1);

    progress(`${name}: raw driver inserts`);
    const raw = await db.rawInsert(total, RAW_BATCH);
    figures[`raw_${name}_rows_per_s`] = round(raw);
    figures[`${p}points_ratio_vs_raw`] = round(total / secs / raw, 3);

    progress(`${name}: single awaited reports`);
    const beforeSingle = await stats();
    const single = await runChild<Timed>('./single-reports.mjs', [grpcAddress, String(SINGLE_MS)]);
    const afterSingle = await stats();
    figures[`${p}single_reports_per_s`] = round(single.count / single.secs);
    figures[`${p}single_ratio_vs_raw_h2`] = round(single.count / single.secs / rawH2Rate, 3);
    figures[`${p}p99_ms`] = round(single.p99_ms, 2);
    figures[`${p}single_client_cpu_us`] = round(single.cpu_us, 1);
    // Warm-up calls (200) are counted in the server's CPU but not in `count`: a 2-7% overstatement.
    figures[`${p}single_server_cpu_us`] = round(
      (afterSingle.cpuUs - beforeSingle.cpuUs) / (single.count + 200),
      1,
    );

    progress(`${name}: stream of ${STREAM_POINTS} points`);
    const stream = await runChild<Streamed>('./stream-reporter.mjs', [
      grpcAddress,
      'bench-stream',
      String(STREAM_POINTS),
    ]);
    figures[`${p}stream_points_per_s`] = round(stream.points / stream.secs);

    if (p === '') figures.import_ms = importMs(grpcAddress);
    figures[`${p}rss_mb`] = round((await stats()).maxRssKb / 1024, 1);
  } catch (err) {
    server.process.kill();
    throw err;
  }
  await server.end();
  return figures;
}

async function main(): Promise<void> {
  const started = performance.now();
  progress(`implementation: ${IMPL}`);
  const h2 = await references();
  const figures: Figures = { ...h2 };
  for (const db of await benchDatabases()) {
    try {
      const server = await benchOne(db, h2.raw_h2_roundtrips_per_s as number);
      Object.assign(figures, server);
    } finally {
      await db.dispose();
    }
  }
  progress(`done in ${Math.round((performance.now() - started) / 1000)} s`);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

await main();
