import type { Command } from 'commander';
import { formatHostPort, HOST_PORT_RULE, tryParseHostPort } from '../rpc/index.js';
import { usageError } from './context.js';
import { flag, type Setting } from './flags.js';

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

/** One of a few words: `--output`, `--runner`, ... (exit 2 naming the flag and the words). */
export function oneOf(...words: string[]): (setting: Setting) => string {
  const rule = `must be ${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
  return (setting) => {
    if (!words.includes(setting.value)) throw usageError(setting.source, setting.value, rule);
    return setting.value;
  };
}

/** `-o, --output text|json`, as every command that prints an object has it. */
export function outputOption(description = 'text or json'): ReturnType<typeof flag> {
  return flag('-o, --output <format>', description, { default: 'text', check: oneOf('text', 'json') });
}

/** The flags every long-running service shares, once checked. */
export interface ServiceFlags {
  /** The gRPC address, normalised. */
  listen: string;
  /** The HTTP address, normalised; null for `off`. */
  httpListen: string | null;
  /** Seconds to wait for the database at start. */
  dbConnectTimeout: number;
}

/**
 * Adds `--listen` (env `listenEnv`, default 127.0.0.1:6789), `--http-listen` (KATIB_HTTP_LISTEN,
 * default 127.0.0.1:8080; `off` for none) and `--db-connect-timeout` (KATIB_DB_CONNECT_TIMEOUT,
 * default 60 s), each checked (exit 2 naming the bad one).
 */
export function addServiceOptions(command: Command, listenEnv: string, httpHelp: string): Command {
  return command
    .addOption(
      flag('--listen <host:port>', 'gRPC address', {
        env: listenEnv,
        default: '127.0.0.1:6789',
        check: listenAddress,
      }),
    )
    .addOption(
      flag('--http-listen <host:port>', `${httpHelp}, or "off"`, {
        env: 'KATIB_HTTP_LISTEN',
        default: '127.0.0.1:8080',
        check: (s) => (s.value === 'off' ? null : listenAddress(s)),
      }),
    )
    .addOption(
      flag('--db-connect-timeout <seconds>', 'how long to wait for the database to answer at start', {
        env: 'KATIB_DB_CONNECT_TIMEOUT',
        default: '60',
        check: positiveSeconds,
      }),
    );
}
