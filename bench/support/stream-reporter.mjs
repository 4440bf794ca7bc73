// stream_points_per_s: one trial reporting argv[4] one-metric points through the batched
// reporter in a tight loop (no await), then flush(): from the first report() until every
// point is stored. Prints {"points","secs","cpu_us_per_point"}.
// BENCH_IMPL=grpc-js: the same calls on @grpc/grpc-js + protobuf-es (see grpc-js-client.mjs).
const { createMetricsReporter } =
  process.env.BENCH_IMPL === 'grpc-js'
    ? await import('./grpc-js-client.mjs')
    : await import('katib-ts/report');

const [address, trialName, points] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const reporter = createMetricsReporter({ trialName, dbManagerAddress: address });
reporter.report({ warmup: 0 });
await reporter.flush();
const cpu0 = process.cpuUsage();
const start = performance.now();
for (let i = 0; i < points; i++) reporter.report({ loss: i });
await reporter.flush();
const secs = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuUsPerPoint = (cpu.user + cpu.system) / points;
process.stdout.write(`${JSON.stringify({ points, secs, cpu_us_per_point: cpuUsPerPoint })}\n`);
await reporter.close();
