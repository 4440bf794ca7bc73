// A bare node:http2 server that answers every call the way a gRPC server answers
// ReportObservationLog (200, application/grpc, an empty message frame, grpc-status 0 in
// trailers) and does nothing else: the DB manager with zero cost, so single reports against
// it measure the report client alone. Prints {"port"}, runs until stdin closes.
import http2 from 'node:http2';

const emptyMessage = Buffer.alloc(5);
const server = http2.createServer();
server.on('stream', (stream) => {
  stream.on('data', () => {});
  stream.on('end', () => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(emptyMessage);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
