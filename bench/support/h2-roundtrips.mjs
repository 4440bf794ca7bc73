// Bare node:http2 request/response round trips, one awaited at a time, for argv[3] ms against
// http://127.0.0.1:argv[2]: the reference rate for single_reports_per_s. Prints one JSON line.
import http2 from 'node:http2';
import net from 'node:net';

const port = Number(process.argv[2]);
const durationMs = Number(process.argv[3] ?? 3000);
const session = http2.connect(`http://127.0.0.1:${port}`, {
  createConnection: () => net.connect({ host: '127.0.0.1', port, noDelay: true }),
});
const body = Buffer.alloc(80);
const once = () =>
  new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': '/echo',
      'content-type': 'application/grpc',
    });
    stream.on('response', () => {});
    stream.on('data', () => {});
    stream.on('error', reject);
    stream.on('close', resolve);
    stream.end(body);
  });
for (let i = 0; i < 200; i++) await once(); // warm up
const latencies = [];
const cpu0 = process.cpuUsage();
const start = performance.now();
while (performance.now() - start < durationMs) {
  const t = performance.now();
  await once();
  latencies.push(performance.now() - t);
}
const secs = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuUs = (cpu.user + cpu.system) / latencies.length;
latencies.sort((a, b) => a - b);
const p99 = latencies[Math.floor(latencies.length * 0.99)];
process.stdout.write(`${JSON.stringify({ count: latencies.length, secs, p99_ms: p99, cpu_us: cpuUs })}\n`);
session.close();
