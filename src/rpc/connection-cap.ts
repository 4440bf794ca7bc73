import type { Server } from 'node:net';

/** How often a port that keeps refusing connections says so, at most. */
const DROP_REPORT_INTERVAL_MS = 10_000;

/**
 * Caps the connections `server` holds open at once with Node's own `maxConnections`: past it, a
 * new connection is closed as soon as it is accepted, before a byte is read, and the ones open
 * keep working. `onDropped` hears about refused connections: the first one at once, then at most
 * once per 10 s with how many were refused meanwhile, so a flood cannot flood the log too.
 */
export function capConnections(
  server: Server,
  maxConnections: number,
  onDropped?: (dropped: number, maxConnections: number) => void,
): void {
  server.maxConnections = maxConnections;
  if (onDropped === undefined) return;
  let dropped = 0;
  let quietUntil = 0;
  server.on('drop', () => {
    dropped++;
    const now = Date.now();
    if (now < quietUntil) return;
    quietUntil = now + DROP_REPORT_INTERVAL_MS;
    onDropped(dropped, maxConnections);
    dropped = 0;
  });
}
