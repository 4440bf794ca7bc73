/**
 * Flags on commander's own machinery: each is an `Option` with its environment variable
 * (`.env()`), its default (`.default()`, which the help shows) and a check. Commander resolves
 * flag > variable > default and says where each value came from; `checkFlags` (a preAction hook,
 * so before any command runs) then checks every value, naming that place in the error: the flag,
 * the variable, or `default`. The check runs here rather than in `.argParser()` because commander
 * does not tell a parser where its value came from, and prints a parser's error in its own words
 * (`error: option '--listen <host:port>' argument ...`) instead of the one line katib prints for
 * every bad value (`katib db-manager: KATIB_DB_MANAGER_LISTEN: ":6789" must be HOST:PORT ...`).
 *
 * Two rules commander does not have, kept as katib always had them: a variable set to the empty
 * string counts as unset (the default applies), and a yes/no flag's variable is read for its
 * value (`KATIB_AUTH=false` is off; commander would turn the flag on for any value).
 */
import { type Command, Option } from 'commander';
import { usageError } from './context.js';

/** A setting's text and where it came from (`--flag`, `ENV_NAME` or `default`), to name it in errors. */
export interface Setting {
  value: string;
  source: string;
}

/** Turns a setting into the value the command gets, or throws `usageError` naming `setting.source`. */
export type Check<T> = (setting: Setting) => T;

export interface FlagSpec {
  /** The environment variable read when the flag is not given. */
  env?: string;
  /** The value (as typed) when neither is given, checked like a given one. */
  default?: string;
  /** How the help shows the default, when that is not the value itself ('' for "none"). */
  shown?: string;
  /** The check; without one the text is the value. */
  check?: Check<unknown>;
}

const CHECKS = new WeakMap<Option, Check<unknown>>();

/** A flag for `command.addOption`: `flag('--listen <host:port>', 'gRPC address', {env, default, check})`. */
export function flag(flags: string, description: string, spec: FlagSpec = {}): Option {
  const option = new Option(flags, description);
  if (spec.env !== undefined) option.env(spec.env);
  if (spec.default !== undefined) option.default(spec.default, spec.shown);
  if (spec.check !== undefined) CHECKS.set(option, spec.check);
  return option;
}

/** Keeps a setting's text with its source, for checks that relate several flags (run after parsing). */
export const keepSource: Check<Setting> = (setting) => setting;

/**
 * Checks the options of the command about to run, in the order they were added: each value
 * becomes what its check returns; the first bad one ends the command (exit 2, naming it).
 */
export function checkFlags(command: Command): void {
  for (const option of command.options) {
    const key = option.attributeName();
    let value: unknown = command.getOptionValue(key);
    let source = command.getOptionValueSource(key);
    if (source === 'env' && option.envVar !== undefined) {
      const text = process.env[option.envVar] ?? '';
      if (option.isBoolean()) value = booleanSetting({ value: text, source: option.envVar });
      else if (text === '') {
        value = option.defaultValue;
        source = 'default';
      }
      command.setOptionValueWithSource(key, value, source);
    }
    const check = CHECKS.get(option);
    if (check === undefined || typeof value !== 'string') continue;
    const from = source === 'cli' ? option.long! : source === 'env' ? option.envVar! : 'default';
    command.setOptionValueWithSource(key, check({ value, source: from }), source!);
  }
}

/** A yes/no environment value as Katib's deployments write it. */
export function booleanSetting(setting: Setting): boolean {
  const v = setting.value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  throw usageError(setting.source, setting.value, 'must be true or false');
}
