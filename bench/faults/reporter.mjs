// One reporting process of bench/faults.ts: trial argv[3] pushing to the DB manager at argv[2]
// with awaited reportMetrics({n}) calls, n = 0, 1, 2, ... (every point unique). Prints
// {"ready":true} once loaded, starts on the first stdin line, stops when stdin closes (after
// the push in flight, which may be retrying through a fault), then prints one JSON line:
//   {trial, attempted, failed: [n...], codes: {code: count}, retry_codes: {code: count}, max_ms, slow,
//    rss_mb, private_mb}
// `attempted` pushes were made; those not listed in `failed` resolved (acknowledged). `codes` counts
// the pushes that rejected, `retry_codes` every failed attempt that the SDK retried (onRetry).
// Plain JS over the built package, to keep 200 of these small.
import { readFileSync } from 'node:fs';
import { reportMetrics } from 'katib-ts/report';

const [address, trialName] = [process.argv[2], process.argv[3]];
const retryCodes = {};
const options = {
  trialName,
  dbManagerAddress: address,
  onRetry: (error) => {
    retryCodes[error.code] = (retryCodes[error.code] ?? 0) + 1;
  },
};
let stopping = false;
process.stdout.write('{"ready":true}\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.on('end', () => {
  stopping = true;
});
process.stdin.resume();
const failed = [];
const codes = {};
let attempted = 0;
let maxMs = 0;
let slow = 0;
while (!stopping) {
  const n = attempted++;
  const start = performance.now();
  try {
    await reportMetrics({ n }, options);
  } catch (err) {
    failed.push(n);
    const code = err?.code ?? 'unknown';
    codes[code] = (codes[code] ?? 0) + 1;
  }
  const ms = performance.now() - start;
  if (ms > maxMs) maxMs = ms;
  if (ms > 1000) slow++;
}
const rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
// RSS counts node's code pages, shared by all 200; what one reporter costs is its private memory.
const privateKb = /^Private_Dirty:\s+(\d+)/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))?.[1];
const private_mb = Math.round(Number(privateKb) / 1024);
process.stdout.write(
  `${JSON.stringify({ trial: trialName, attempted, failed, codes, retry_codes: retryCodes, max_ms: Math.round(maxMs), slow, rss_mb, private_mb })}\n`,
);
process.exit(0);
