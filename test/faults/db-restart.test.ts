/**
 * The database server restarted under a running `katib db-manager` (its own process) while
 * trials keep pushing with the SDK's reportMetrics. The server is a private MariaDB started here
 * (test/support/private-db-server.ts); the shared ones are never touched. Without MariaDB's
 * binaries the test fails, saying what to install.
 *
 * While the database is down: health is NOT_SERVING (gRPC and /healthz), a push is answered
 * UNAVAILABLE, and the SDK's pushes wait (retrying) instead of failing. Once it is back, the DB
 * manager reconnects by itself (SERVING again, nothing restarted), the waiting pushes complete,
 * and every acknowledged point is in the database.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import mysql from 'mysql2/promise';
import { HealthCheckResponse_ServingStatus as Serving } from '../../src/gen/grpc/health/v1/health_pb.js';
import { closeReportConnections, reportMetrics } from '../../src/sdk/report/index.js';
import { CliProcess } from '../cli/spawn-cli.js';
import { grpcError, TestGrpcClient } from '../dbmanager/grpc-clients.js';
import { until } from '../support/fixtures.js';
import { type PrivateDbServer, startPrivateMariaDb } from '../support/private-db-server.js';

const TRIALS = 4;

interface Pusher {
  trialName: string;
  /** Point numbers whose push resolved (acknowledged). */
  acked: number[];
  /** Pushes that were started at or before `since` and resolved after `until`. */
  spanning(since: number, until: number): number;
  /** Stops after the push in flight; resolves with the first error, if any. */
  stop(): Promise<unknown>;
}

/** Awaited reportMetrics({n}) in a loop, n = 0, 1, 2, ... (each point unique). */
function startPusher(address: string, trialName: string): Pusher {
  const acked: number[] = [];
  const spans: [number, number][] = [];
  let stopping = false;
  const loop = (async () => {
    for (let n = 0; !stopping; n++) {
      const started = Date.now();
      await reportMetrics({ n }, { trialName, dbManagerAddress: address, timeout: 60 });
      acked.push(n);
      spans.push([started, Date.now()]);
    }
  })().then(
    () => undefined,
    (err: unknown) => err,
  );
  return {
    trialName,
    acked,
    spanning: (since, until) => spans.filter(([s, e]) => s <= since && e > until).length,
    stop() {
      stopping = true;
      return loop;
    },
  };
}

async function health(grpc: TestGrpcClient): Promise<Serving | 'error'> {
  try {
    return (await grpc.check({ service: 'api.v1.beta1.DBManager' })).status;
  } catch {
    return 'error';
  }
}

describe('database server restarted under a running DB manager', () => {
  let server: PrivateDbServer | undefined;
  let cli: CliProcess | undefined;
  after(async () => {
    cli?.kill('SIGKILL');
    await closeReportConnections();
    await server?.dispose();
  });

  for (const crash of [false, true]) {
    it(`${crash ? 'crashed (SIGKILL)' : 'shut down cleanly'}: NOT_SERVING and UNAVAILABLE meanwhile, reconnects by itself, nothing acknowledged is lost`, async () => {
      server ??= await startPrivateMariaDb();
      const dbUrl = await server.createDatabase(crash ? 'katib_crash' : 'katib_restart');
      cli = new CliProcess([
        'db-manager',
        '--listen',
        '127.0.0.1:0',
        '--http-listen',
        '127.0.0.1:0',
        '--db',
        dbUrl,
      ]);
      const ready = await cli.waitForLog('db manager ready');
      const address = String(ready.grpcAddress);
      const grpc = new TestGrpcClient(address);
      const pushers: Pusher[] = [];
      try {
        assert.equal(await health(grpc), Serving.SERVING);
        for (let i = 0; i < TRIALS; i++) pushers.push(startPusher(address, `restart-${crash}-${i}`));
        await until('pushes before the stop', () => pushers.every((p) => p.acked.length >= 20), 10_000);

        await server.stop({ crash });
        await until('NOT_SERVING', async () => (await health(grpc)) === Serving.NOT_SERVING, 5_000);
        const healthz = await fetch(`http://${ready.httpAddress}/healthz`);
        assert.equal(healthz.status, 503, await healthz.text());
        const refused = await grpcError(
          grpc.report({
            trialName: 'restart-probe',
            observationLog: {
              metricLogs: [{ timeStamp: '2026-01-01T00:00:00Z', metric: { name: 'n', value: '0' } }],
            },
          }),
        );
        assert.equal(refused.code, status.UNAVAILABLE, refused.details);
        // The SDK's pushes neither complete nor fail while the database is away: they retry.
        // A reply the database sent just before it died can still reach a trial after the stop
        // returned, so the quiet stretch is measured from this snapshot: every push in flight now was
        // started (synchronously after its predecessor's ack) at or before `quietAt`.
        const ackedWhileDown = pushers.map((p) => p.acked.length);
        const quietAt = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        assert.deepEqual(
          pushers.map((p) => p.acked.length),
          ackedWhileDown,
          'no push is acknowledged while the database is down',
        );

        // The database is down until at least here; start() returns only after it answers, and
        // the waiting pushes may complete before that, so the outage is measured up to this point.
        const restartAt = Date.now();
        await server.start();
        const reconnectMs = await until(
          'SERVING after the restart',
          async () => (await health(grpc)) === Serving.SERVING,
          10_000,
        );
        const healthzUp = await fetch(`http://${ready.httpAddress}/healthz`);
        assert.equal(healthzUp.status, 200, await healthzUp.text());
        await until(
          'pushes after the restart',
          () => pushers.every((p, i) => p.acked.length >= (ackedWhileDown[i] ?? 0) + 20),
          15_000,
        );
        const errors = await Promise.all(pushers.map((p) => p.stop()));
        assert.deepEqual(errors, Array(TRIALS).fill(undefined), 'no push failed');
        // Every trial had a push waiting through the outage, completed after it.
        for (const p of pushers)
          assert.equal(p.spanning(quietAt, restartAt), 1, `${p.trialName} retried through`);

        const stored = await storedPoints(server.url(crash ? 'katib_crash' : 'katib_restart'));
        let duplicates = 0;
        for (const p of pushers) {
          const values = stored.get(p.trialName) ?? [];
          const distinct = new Set(values);
          duplicates += values.length - distinct.size;
          const missing = p.acked.filter((n) => !distinct.has(n));
          assert.deepEqual(missing, [], `${p.trialName}: acknowledged points missing from the store`);
        }
        process.stderr.write(
          `db-restart (${crash ? 'crash' : 'clean'}): ${pushers.reduce((s, p) => s + p.acked.length, 0)} acknowledged, ` +
            `SERVING ${reconnectMs} ms after the server answered, ${duplicates} duplicate rows\n`,
        );
        // A commit whose reply was lost is retried with the same idempotency key: stored once.
        assert.equal(duplicates, 0, `${duplicates} duplicate rows`);
      } finally {
        await Promise.all(pushers.map((p) => p.stop()));
        grpc.close();
        cli.kill('SIGTERM');
        await cli.exited;
        cli = undefined;
      }
    });
  }
});

/** `observation_logs` rows of metric `n`, as numbers, by trial (read with a plain connection). */
async function storedPoints(url: string): Promise<Map<string, number[]>> {
  const conn = await mysql.createConnection(url);
  try {
    const [rows] = await conn.query("SELECT trial_name, value FROM observation_logs WHERE metric_name = 'n'");
    const byTrial = new Map<string, number[]>();
    for (const row of rows as { trial_name: string; value: string }[]) {
      const list = byTrial.get(row.trial_name) ?? [];
      list.push(Number(row.value));
      byTrial.set(row.trial_name, list);
    }
    return byTrial;
  } finally {
    await conn.end();
  }
}
