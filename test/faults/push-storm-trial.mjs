// One trial of the push storm (push-storm.ts): pushes numbered points (metric `point`, value i)
// with reportMetrics from `lanes` concurrent loops until its stdin closes, then lets the calls in
// flight finish and exits. Prints "ack i" once the call for point i resolved (the DB manager
// acknowledged it) and "fail i message" when it rejected, so the parent knows exactly which
// points were acknowledged. argv: address trialName timeoutSeconds lanes. Plain JS over the built
// package, as a trial imports it: many of these start at once on a small machine.
import { reportMetrics } from 'katib-ts/report';

const [address, trialName] = [process.argv[2], process.argv[3]];
const timeout = Number(process.argv[4]);
const lanes = Number(process.argv[5]);

let stopping = false;
process.stdin.on('data', () => {});
process.stdin.on('end', () => {
  stopping = true;
});

let next = 0;
async function lane() {
  while (!stopping) {
    const i = next++;
    try {
      await reportMetrics({ point: i }, { trialName, dbManagerAddress: address, timeout });
      process.stdout.write(`ack ${i}\n`);
    } catch (err) {
      process.stdout.write(`fail ${i} ${JSON.stringify(err instanceof Error ? err.message : String(err))}\n`);
    }
  }
}
await Promise.all(Array.from({ length: lanes }, lane));
process.stdin.destroy();
