import type { Command } from 'commander';
import { type DbManagerLimits, DEFAULT_LIMITS, LIMIT_RANGES } from '../dbmanager/limits.js';
import { usageError } from './context.js';
import { flag, type Setting } from './flags.js';

/** The DB manager's limit flags, once checked: numbers. */
export type LimitFlags = { [K in (typeof LIMIT_FLAGS)[number]['prop']]?: number };

/** Each limit's flag, environment variable and help text (docs/limits.md says the same). */
const LIMIT_FLAGS = [
  {
    key: 'maxMessageBytes',
    flag: '--max-message-bytes',
    prop: 'maxMessageBytes',
    env: 'KATIB_MAX_MESSAGE_BYTES',
    arg: '<size>',
    help: 'largest request on either port, in bytes or with KiB/MiB/GiB',
    default: '4MiB',
  },
  {
    key: 'maxMetricLogsPerRequest',
    flag: '--max-metric-logs',
    prop: 'maxMetricLogs',
    env: 'KATIB_MAX_METRIC_LOGS',
    arg: '<count>',
    help: 'most metric logs in one report',
    default: String(DEFAULT_LIMITS.maxMetricLogsPerRequest),
  },
  {
    key: 'maxNameLength',
    flag: '--max-name-length',
    prop: 'maxNameLength',
    env: 'KATIB_MAX_NAME_LENGTH',
    arg: '<chars>',
    help: 'longest trial or metric name, at most 255',
    default: String(DEFAULT_LIMITS.maxNameLength),
  },
  {
    key: 'maxConnections',
    flag: '--max-connections',
    prop: 'maxConnections',
    env: 'KATIB_MAX_CONNECTIONS',
    arg: '<count>',
    help: 'connections open at once, per port; more are closed as they come',
    default: String(DEFAULT_LIMITS.maxConnections),
  },
  {
    key: 'maxConcurrentStreams',
    flag: '--max-concurrent-streams',
    prop: 'maxConcurrentStreams',
    env: 'KATIB_MAX_CONCURRENT_STREAMS',
    arg: '<count>',
    help: 'gRPC calls in flight at once on one connection',
    default: String(DEFAULT_LIMITS.maxConcurrentStreams),
  },
  {
    key: 'idempotencyKeyRetentionSeconds',
    flag: '--idempotency-key-retention',
    prop: 'idempotencyKeyRetention',
    env: 'KATIB_IDEMPOTENCY_KEY_RETENTION',
    arg: '<seconds>',
    help: "how long a push's idempotency key is kept; keep it above the clients' push timeout",
    default: String(DEFAULT_LIMITS.idempotencyKeyRetentionSeconds),
  },
] as const satisfies readonly {
  key: keyof DbManagerLimits;
  flag: string;
  prop: string;
  env: string;
  arg: string;
  help: string;
  /** The default, as typed (the help shows it). */
  default: string;
}[];

/**
 * Adds the limit flags to a command that runs a DB manager (db-manager, server, run): each from
 * its flag, else its environment variable; a value that is not a whole number in the limit's range
 * ends the command with exit 2 naming the flag (or variable). The defaults are DEFAULT_LIMITS'.
 */
export function addLimitOptions(command: Command): Command {
  for (const { key, flag: name, arg, env, help, default: fallback } of LIMIT_FLAGS) {
    command.addOption(
      flag(`${name} ${arg}`, help, {
        env,
        default: fallback,
        check: (setting) => (key === 'maxMessageBytes' ? byteSize(setting, key) : wholeNumber(setting, key)),
      }),
    );
  }
  return command;
}

/** The limits, from the checked flags (a limit missing there keeps its default). */
export function limitSettings(flags: LimitFlags): DbManagerLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const { key, prop } of LIMIT_FLAGS) {
    const value = flags[prop];
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}

/** A whole number in the limit's range (digits only: no signs, fractions, exponents or hex). */
export function wholeNumber(setting: Setting, key: keyof DbManagerLimits): number {
  const { min, max } = LIMIT_RANGES[key];
  const text = setting.value.trim();
  const n = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max)) {
    throw usageError(setting.source, setting.value, `must be a whole number from ${min} to ${max}`);
  }
  return n;
}

const UNITS: Record<string, number> = { '': 1, b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** A size in bytes: `1048576`, `512KiB`, `4MiB`, `1GiB` (binary units, case-insensitive), in the limit's range. */
export function byteSize(setting: Setting, key: keyof DbManagerLimits): number {
  const { min, max } = LIMIT_RANGES[key];
  const m = /^(\d{1,16})\s*([a-z]*)$/i.exec(setting.value.trim());
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  const n = m && unit !== undefined ? Number(m[1]) * unit : Number.NaN;
  if (!(n >= min && n <= max)) {
    throw usageError(
      setting.source,
      setting.value,
      `must be a size from ${min} bytes to 1GiB (bytes, or with KiB, MiB or GiB: e.g. 4MiB)`,
    );
  }
  return n;
}
