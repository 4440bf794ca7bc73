import { formatHostPort, HOST_PORT_RULE, tryParseHostPort } from '../rpc/index.js';
import { usageError } from './context.js';

/** A setting and where it came from (`--flag`, `ENV_NAME` or `default`), to name it in errors. */
export interface Setting {
  value: string;
  source: string;
}

/** The flag's value if given, else the environment variable's if set and non-empty, else the default. */
export function flagOrEnv(
  flag: string,
  given: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  envName: string,
  fallback: string,
): Setting {
  if (given !== undefined) return { value: given, source: flag };
  const fromEnv = env[envName];
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: envName };
  return { value: fallback, source: 'default' };
}

/** A `HOST:PORT` setting, normalised; exit 2 naming its source otherwise. */
export function listenAddress(setting: Setting): string {
  const at = tryParseHostPort(setting.value);
  if (at === undefined) throw usageError(setting.source, setting.value, HOST_PORT_RULE);
  return formatHostPort(at);
}

/** The longest wait a Node timer can hold (2^31-1 ms); longer ones fire at once. */
const MAX_SECONDS = 2_147_483;

/**
 * A positive number of seconds, in decimal (`30`, `0.5`, `1e3`), at most MAX_SECONDS (24.8 days):
 * hex or binary spellings are refused, and so are waits a timer cannot hold (they would end at once).
 */
export function positiveSeconds(setting: Setting): number {
  const text = setting.value.trim();
  const n = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(n > 0 && n <= MAX_SECONDS)) {
    throw usageError(
      setting.source,
      setting.value,
      `must be a positive number of seconds, at most ${MAX_SECONDS}`,
    );
  }
  return n;
}

/** A yes/no environment value as Katib's deployments write it. */
export function booleanSetting(setting: Setting): boolean {
  const v = setting.value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  throw usageError(setting.source, setting.value, 'must be true or false');
}

/** The flags every long-running service shares: its two ports and how long to wait for the database. */
export interface ServiceFlags {
  listen?: string;
  httpListen?: string;
  dbConnectTimeout?: string;
}

/**
 * `--listen` (env `listenEnv`, default 127.0.0.1:6789), `--http-listen` (KATIB_HTTP_LISTEN,
 * default 127.0.0.1:8080; `off` for none) and `--db-connect-timeout` (KATIB_DB_CONNECT_TIMEOUT,
 * default 60 s), checked: exit 2 naming the bad one.
 */
export function serviceSettings(
  flags: ServiceFlags,
  env: Readonly<Record<string, string | undefined>>,
  listenEnv: string,
): { grpcListen: string; httpListen: string | null; connectTimeoutSeconds: number } {
  const grpcListen = listenAddress(flagOrEnv('--listen', flags.listen, env, listenEnv, '127.0.0.1:6789'));
  const http = flagOrEnv('--http-listen', flags.httpListen, env, 'KATIB_HTTP_LISTEN', '127.0.0.1:8080');
  const httpListen = http.value === 'off' ? null : listenAddress(http);
  const connectTimeoutSeconds = positiveSeconds(
    flagOrEnv('--db-connect-timeout', flags.dbConnectTimeout, env, 'KATIB_DB_CONNECT_TIMEOUT', '60'),
  );
  return { grpcListen, httpListen, connectTimeoutSeconds };
}
