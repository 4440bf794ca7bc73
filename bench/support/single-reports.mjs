// One trial awaiting one-point reportMetrics calls (durable on return) for argv[3] ms against
// the DB manager at argv[2]. Imports the built package as a trial would. Prints one JSON line:
// {count, secs, p99_ms, cpu_us (this process's CPU time per call)}.
// BENCH_IMPL=grpc-js: the same calls on @grpc/grpc-js + protobuf-es (see grpc-js-client.mjs).
const { closeReportConnections, reportMetrics } =
  process.env.BENCH_IMPL === 'grpc-js'
    ? await import('./grpc-js-client.mjs')
    : await import('katib-ts/report');

const address = process.argv[2];
const durationMs = Number(process.argv[3] ?? 3000);
const options = { trialName: process.argv[4] ?? 'bench-single', dbManagerAddress: address };
for (let i = 0; i < 200; i++) await reportMetrics({ warmup: i }, options);
const latencies = [];
const cpu0 = process.cpuUsage();
const start = performance.now();
for (let i = 0; performance.now() - start < durationMs; i++) {
  const t = performance.now();
  await reportMetrics({ loss: i }, options);
  latencies.push(performance.now() - t);
}
const secs = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuUs = (cpu.user + cpu.system) / latencies.length;
latencies.sort((a, b) => a - b);
const p99 = latencies[Math.floor(latencies.length * 0.99)];
process.stdout.write(`${JSON.stringify({ count: latencies.length, secs, p99_ms: p99, cpu_us: cpuUs })}\n`);
await closeReportConnections();
