// The bare node:http2 server of bench/push.ts's raw_h2_roundtrips_per_s: answers every POST with
// a 5-byte body, what a gRPC unary reply carries at the least, and nothing else. Plain JS so
// that no TypeScript loader runs in a measured process. Prints its port, runs until stdin closes.
import http2 from 'node:http2';

const reply = Buffer.alloc(5);
const server = http2.createServer();
server.on('stream', (stream) => {
  stream.on('data', () => {});
  stream.on('end', () => {
    stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' });
    stream.end(reply);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
