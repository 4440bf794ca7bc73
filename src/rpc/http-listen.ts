import type { Server } from 'node:http';
import { KatibError } from '../api/errors.js';

/** Listens on host:port (port 0 picks a free one) and resolves with the bound port. */
export function listenHttp(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(new KatibError('unavailable', `cannot listen for HTTP on ${host}:${port}: ${err.message}`));
    };
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/**
 * Stops accepting connections, closes idle keep-alive connections as their requests finish, and
 * after `graceMs` cuts whatever is still open.
 */
export function shutdownHttp(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 25);
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
