import { invalidArgument } from '../api/errors.js';

export type Dialect = 'sqlite' | 'mysql' | 'postgres';

/** libpq's sslmode values, as Katib's KATIB_POSTGRESQL_SSL_MODE takes them. */
export const POSTGRES_SSL_MODES = [
  'disable',
  'allow',
  'prefer',
  'require',
  'verify-ca',
  'verify-full',
] as const;
export type PostgresSslMode = (typeof POSTGRES_SSL_MODES)[number];

export interface SqliteConfig {
  dialect: 'sqlite';
  /** A file path as given (relative to the working directory or absolute), or `:memory:`. */
  path: string;
}

export interface ServerConfig {
  host: string;
  port: number;
  /** Left out: the driver's default (mysql2: none; pg: PGUSER or the OS user). */
  user?: string;
  password?: string;
  database: string;
}

export interface MysqlConfig extends ServerConfig {
  dialect: 'mysql';
}

export interface PostgresConfig extends ServerConfig {
  dialect: 'postgres';
  sslMode: PostgresSslMode;
}

export type DbConfig = SqliteConfig | MysqlConfig | PostgresConfig;

const ACCEPTED =
  'use sqlite:PATH (sqlite::memory: for a throwaway database), ' +
  'mysql://USER:PASSWORD@HOST:PORT/DATABASE, or postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=MODE ' +
  '(postgresql:// also accepted)';

const DEFAULT_PORTS = { mysql: 3306, postgres: 5432 } as const;

/**
 * Parses a `--db` URL. Accepted: `sqlite:PATH` (relative or absolute; `sqlite::memory:`),
 * `mysql://user:pass@host:port/db`, `postgres://` or `postgresql://user:pass@host:port/db`
 * with an optional `?sslmode=` (default `disable`, as Katib). User names and passwords may be
 * percent-encoded. Anything else throws invalidArgument('--db', url, ...) naming the schemes.
 */
export function parseDbUrl(url: string): DbConfig {
  const bad = (why = 'is not a database URL') =>
    invalidArgument('--db', redactUrl(url), `${why}; ${ACCEPTED}`);
  if (typeof url !== 'string') throw bad();
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '') throw bad('has no file path');
    if (path.includes('\0')) throw bad('has a NUL character in its path');
    return { dialect: 'sqlite', path };
  }
  const scheme = /^([a-z]+):\/\//i.exec(url)?.[1]?.toLowerCase();
  const dialect =
    scheme === 'mysql' ? 'mysql' : scheme === 'postgres' || scheme === 'postgresql' ? 'postgres' : undefined;
  if (dialect === undefined) throw bad();
  // The port is checked before URL parsing, which would only say "Invalid URL" about it.
  const port = /^[a-z]+:\/\/(?:[^/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*)(?::([^/?#]*))?/i.exec(url)?.[1];
  if (
    port !== undefined &&
    port !== '' &&
    !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)
  ) {
    throw bad(`has a bad port (${port}): it must be a number from 1 to 65535`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad();
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw bad('has no host');
  const server: ServerConfig = {
    host,
    port: parsed.port === '' ? DEFAULT_PORTS[dialect] : Number(parsed.port),
    database: '',
  };
  const database = decode(parsed.pathname.replace(/^\//, ''), bad);
  if (database === '' || database.includes('/')) throw bad('must name one database after the host');
  server.database = database;
  if (parsed.username !== '') server.user = decode(parsed.username, bad);
  if (parsed.password !== '') server.password = decode(parsed.password, bad);
  if (parsed.hash !== '') throw bad('has a #fragment');
  const params = [...parsed.searchParams.keys()];
  if (dialect === 'mysql') {
    if (params.length > 0) throw bad(`has query parameters (${params.join(', ')}); mysql URLs take none`);
    return { dialect, ...server };
  }
  const unknown = params.filter((p) => p !== 'sslmode');
  if (unknown.length > 0)
    throw bad(`has unknown query parameters (${unknown.join(', ')}); only sslmode is accepted`);
  const sslMode = parsed.searchParams.get('sslmode') ?? 'disable';
  if (!isSslMode(sslMode)) throw bad(`has sslmode=${sslMode}; accepted: ${POSTGRES_SSL_MODES.join(', ')}`);
  return { dialect, ...server, sslMode };
}

/** The URL of `config` with its password shown as `***`, for logs and error messages. */
export function displayUrl(config: DbConfig): string {
  if (config.dialect === 'sqlite') return `sqlite:${config.path}`;
  const user = config.user === undefined ? '' : encodeURIComponent(config.user);
  const password = config.password === undefined ? '' : ':***';
  const auth = user === '' && password === '' ? '' : `${user}${password}@`;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const query =
    config.dialect === 'postgres' && config.sslMode !== 'disable' ? `?sslmode=${config.sslMode}` : '';
  return `${config.dialect}://${auth}${host}:${config.port}/${encodeURIComponent(config.database)}${query}`;
}

/**
 * Katib's DB settings when no `--db` is given: `DB_NAME` (mysql | postgres), `DB_USER`,
 * `DB_PASSWORD`, `KATIB_MYSQL_DB_HOST/PORT/DATABASE` (katib-mysql, 3306, katib),
 * `KATIB_POSTGRESQL_DB_HOST/PORT/DATABASE` (katib-postgres, 5432, katib) and
 * `KATIB_POSTGRESQL_SSL_MODE` (disable). DB_USER defaults as Katib's: root on MySQL, katib on
 * PostgreSQL. Returns undefined when DB_NAME is unset or empty; throws invalidArgument naming the
 * variable for a bad DB_NAME, port or SSL mode. The result is a URL `parseDbUrl` accepts.
 */
export function dbUrlFromKatibEnv(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const name = env.DB_NAME;
  if (name === undefined || name === '') return undefined;
  const get = (key: string, fallback: string) => {
    const value = env[key];
    return value === undefined || value === '' ? fallback : value;
  };
  let prefix: 'KATIB_MYSQL_DB' | 'KATIB_POSTGRESQL_DB';
  let scheme: 'mysql' | 'postgres';
  let defaults: { user: string; host: string; port: string };
  if (name === 'mysql') {
    [prefix, scheme, defaults] = [
      'KATIB_MYSQL_DB',
      'mysql',
      { user: 'root', host: 'katib-mysql', port: '3306' },
    ];
  } else if (name === 'postgres') {
    [prefix, scheme, defaults] = [
      'KATIB_POSTGRESQL_DB',
      'postgres',
      { user: 'katib', host: 'katib-postgres', port: '5432' },
    ];
  } else {
    throw invalidArgument(
      'DB_NAME',
      name,
      'must be mysql or postgres (or unset for the --db URL or the embedded SQLite file)',
    );
  }
  const user = get('DB_USER', defaults.user);
  const password = env.DB_PASSWORD ?? '';
  const host = get(`${prefix}_HOST`, defaults.host);
  if (/[\s/?#@]/.test(host))
    throw invalidArgument(`${prefix}_HOST`, host, 'must be a host name or IP address');
  const portText = get(`${prefix}_PORT`, defaults.port);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw invalidArgument(`${prefix}_PORT`, portText, 'must be a port number from 1 to 65535');
  }
  const database = get(`${prefix}_DATABASE`, 'katib');
  const auth = `${encodeURIComponent(user)}${password === '' ? '' : `:${encodeURIComponent(password)}`}@`;
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  let url = `${scheme}://${auth}${hostPart}:${port}/${encodeURIComponent(database)}`;
  if (scheme === 'postgres') {
    const sslMode = get('KATIB_POSTGRESQL_SSL_MODE', 'disable');
    if (!isSslMode(sslMode)) {
      throw invalidArgument(
        'KATIB_POSTGRESQL_SSL_MODE',
        sslMode,
        `must be one of ${POSTGRES_SSL_MODES.join(', ')}`,
      );
    }
    url += `?sslmode=${sslMode}`;
  }
  return url;
}

/** `url` with the password of a `scheme://user:password@` part shown as `***`. */
export function redactUrl(url: string): string {
  return String(url).replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@?#]*:)[^/?#]*@/i, '$1***@');
}

function isSslMode(mode: string): mode is PostgresSslMode {
  return (POSTGRES_SSL_MODES as readonly string[]).includes(mode);
}

function decode(text: string, bad: (why: string) => Error): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw bad('has a bad percent-encoding');
  }
}
