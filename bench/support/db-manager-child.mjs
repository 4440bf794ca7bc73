// The DB manager of bench/push.ts, in its own process so that its RSS and CPU are its own:
// opens the database URL argv[2] with the built store, serves gRPC on a free loopback port,
// prints {"grpcAddress"}; when stdin closes, prints {"maxRssKb"} (peak RSS) and exits.
// Plain JS over dist/ so that no TypeScript loader runs in the measured process.
import { startDbManager } from '../../dist/dbmanager/index.js';
import { openDatabase } from '../../dist/store/index.js';

const db = await openDatabase(process.argv[2]);
const manager = await startDbManager({ db, grpcListen: '127.0.0.1:0', httpListen: null });
process.stdout.write(`${JSON.stringify({ grpcAddress: manager.grpcAddress })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  const maxRssKb = process.resourceUsage().maxRSS;
  await manager.close();
  await db.close();
  process.stdout.write(`${JSON.stringify({ maxRssKb })}\n`);
  process.exit(0);
});
