import type { Command } from 'commander';
import { showValue } from '../api/errors.js';

/** What a command gets from the process: the CLI is the only layer that reads process-wide settings. */
export interface CliContext {
  env: Readonly<Record<string, string | undefined>>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * A command module (`src/cli/commands/<name>.ts`): exports `register`, which adds its command to
 * the program. Keep the module cheap to import: load heavy parts inside the action with `import()`,
 * since every command module is imported on each run of `katib`.
 */
export interface CommandModule {
  register(program: Command, context: CliContext): void;
}

/** Ends the command with `exitCode` and one line on stderr. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Bad flag or environment value: exit code 2, naming the flag (or variable), the value and the rule. */
export function usageError(flag: string, value: unknown, rule: string): CliError {
  return new CliError(`${flag}: ${showValue(value)} ${rule}`, 2);
}
