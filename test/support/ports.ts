/** Loopback ports and listening servers for tests. */
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';

/**
 * A loopback TCP port nothing listens on: bound, then released. Another process could take it
 * before the caller does; tests use it for servers they start right away, or as an address
 * that refuses connections.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  const port = await listen(server, host);
  await closeServer(server);
  return port;
}

/**
 * Starts `server` (net, http, http2: anything with listen/address) on `host:port` (0: a free
 * one) and resolves with the port it listens on; rejects with the listen error (EADDRINUSE ...).
 */
export async function listen(
  server: Pick<Server, 'listen' | 'address' | 'once' | 'off'>,
  host = '127.0.0.1',
  port = 0,
): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error) => reject(err);
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`listen: no TCP address (${address})`);
  return address.port;
}

/** Closes `server` and resolves once it has stopped listening (open connections may remain). */
export async function closeServer(server: Pick<Server, 'close' | 'listening' | 'once'>): Promise<void> {
  if (!server.listening) return;
  const closed = once(server as Server, 'close');
  server.close();
  await closed;
}

/** A loopback port taken by a server of ours until `release()`: for "address in use" cases. */
export async function occupiedPort(host = '127.0.0.1'): Promise<{ port: number; release(): Promise<void> }> {
  const server = createServer();
  const port = await listen(server, host);
  return { port, release: () => closeServer(server) };
}
