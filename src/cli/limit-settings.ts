import type { Command } from 'commander';
import { type DbManagerLimits, DEFAULT_LIMITS, LIMIT_RANGES } from '../dbmanager/limits.js';
import type { CliContext } from './context.js';
import { usageError } from './context.js';
import { flagOrEnv, type Setting } from './options.js';

/** The DB manager's limit flags, as commander hands them over. */
export interface LimitFlags {
  maxMessageBytes?: string;
  maxMetricLogs?: string;
  maxNameLength?: string;
  maxConnections?: string;
  maxConcurrentStreams?: string;
  idempotencyKeyRetention?: string;
}

/** Each limit's flag, environment variable and help text (docs/limits.md says the same). */
const LIMIT_FLAGS: readonly {
  key: keyof DbManagerLimits;
  flag: string;
  prop: keyof LimitFlags;
  env: string;
  arg: string;
  help: string;
  /** The default, as the help shows it. */
  shown: string;
}[] = [
  {
    key: 'maxMessageBytes',
    flag: '--max-message-bytes',
    prop: 'maxMessageBytes',
    env: 'KATIB_MAX_MESSAGE_BYTES',
    arg: '<size>',
    help: 'largest request on either port, in bytes or with KiB/MiB/GiB',
    shown: '4MiB',
  },
  {
    key: 'maxMetricLogsPerRequest',
    flag: '--max-metric-logs',
    prop: 'maxMetricLogs',
    env: 'KATIB_MAX_METRIC_LOGS',
    arg: '<count>',
    help: 'most metric logs in one report',
    shown: String(DEFAULT_LIMITS.maxMetricLogsPerRequest),
  },
  {
    key: 'maxNameLength',
    flag: '--max-name-length',
    prop: 'maxNameLength',
    env: 'KATIB_MAX_NAME_LENGTH',
    arg: '<chars>',
    help: 'longest trial or metric name, at most 255',
    shown: String(DEFAULT_LIMITS.maxNameLength),
  },
  {
    key: 'maxConnections',
    flag: '--max-connections',
    prop: 'maxConnections',
    env: 'KATIB_MAX_CONNECTIONS',
    arg: '<count>',
    help: 'connections open at once, per port; more are closed as they come',
    shown: String(DEFAULT_LIMITS.maxConnections),
  },
  {
    key: 'maxConcurrentStreams',
    flag: '--max-concurrent-streams',
    prop: 'maxConcurrentStreams',
    env: 'KATIB_MAX_CONCURRENT_STREAMS',
    arg: '<count>',
    help: 'gRPC calls in flight at once on one connection',
    shown: String(DEFAULT_LIMITS.maxConcurrentStreams),
  },
  {
    key: 'idempotencyKeyRetentionSeconds',
    flag: '--idempotency-key-retention',
    prop: 'idempotencyKeyRetention',
    env: 'KATIB_IDEMPOTENCY_KEY_RETENTION',
    arg: '<seconds>',
    help: "how long a push's idempotency key is kept; keep it above the clients' push timeout",
    shown: String(DEFAULT_LIMITS.idempotencyKeyRetentionSeconds),
  },
];

/** Adds the limit flags to a command that runs a DB manager (db-manager, server, run). */
export function addLimitOptions(command: Command): Command {
  for (const { flag, arg, env, help, shown } of LIMIT_FLAGS)
    command.option(`${flag} ${arg}`, `${help} [env ${env}] (default: ${shown})`);
  return command;
}

/**
 * The limits from their flags, else their environment variables, else the defaults; a value
 * that is not a whole number in the limit's range ends the command with exit 2 naming the flag
 * (or variable).
 */
export function limitSettings(flags: LimitFlags, env: CliContext['env']): DbManagerLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const { key, flag, prop, env: envName } of LIMIT_FLAGS) {
    const setting = flagOrEnv(flag, flags[prop], env, envName, '');
    if (setting.source === 'default') continue;
    limits[key] = key === 'maxMessageBytes' ? byteSize(setting, key) : wholeNumber(setting, key);
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
