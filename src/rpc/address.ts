/** A listening address. `host` is bare (no brackets around IPv6). */
export interface HostPort {
  host: string;
  port: number;
}

export const HOST_PORT_RULE =
  'must be HOST:PORT with PORT 0-65535 (e.g. 127.0.0.1:6789, 0.0.0.0:6789, [::1]:6789)';

const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

/** Parses `host:port` or `[v6]:port`; undefined when it is neither (see HOST_PORT_RULE). */
export function tryParseHostPort(text: string): HostPort | undefined {
  const m = HOST_PORT.exec(text);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? m[2]!, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
