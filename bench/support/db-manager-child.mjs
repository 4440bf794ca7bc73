// The DB manager of bench/push.ts, in its own process so that its RSS and CPU are its own:
// opens the database URL argv[2] with the built store, serves gRPC on a free loopback port and
// prints {"grpcAddress"}. Each stdin line "stats" is answered with {"cpuUs","rssKb","maxRssKb"}
// (CPU time used so far, current and peak RSS); when stdin closes it closes and exits.
// Plain JS over dist/ so that no TypeScript loader runs in the measured process.
import { createInterface } from 'node:readline';
import { startDbManager } from '../../dist/dbmanager/index.js';
import { openDatabase } from '../../dist/store/index.js';

const db = await openDatabase(process.argv[2]);
// BENCH_IMPL=grpc-js: the same service on @grpc/grpc-js + protobuf-es (grpc-js-db-manager.mjs).
const manager =
  process.env.BENCH_IMPL === 'grpc-js'
    ? await (await import('./grpc-js-db-manager.mjs')).startGrpcJsDbManager(db)
    : await startDbManager({ db, grpcListen: '127.0.0.1:0', httpListen: null });
process.stdout.write(`${JSON.stringify({ grpcAddress: manager.grpcAddress })}\n`);
const stats = () => {
  const cpu = process.cpuUsage();
  return {
    cpuUs: cpu.user + cpu.system,
    rssKb: Math.round(process.memoryUsage.rss() / 1024),
    maxRssKb: process.resourceUsage().maxRSS,
  };
};
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (line === 'stats') process.stdout.write(`${JSON.stringify(stats())}\n`);
});
input.on('close', async () => {
  await manager.close();
  await db.close();
  process.exit(0);
});
