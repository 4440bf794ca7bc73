#!/usr/bin/env node
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { KatibError } from '../api/errors.js';
import { keepRunningWhenOutputCloses } from './closed-output.js';
import { type CliContext, CliError, type CommandModule } from './context.js';

/**
 * `katib`: builds the commander program from every module in ./commands (adding a command is
 * adding one file there, see CommandModule), runs it, and maps failures to exit codes:
 * 0 done, 1 failure (one line on stderr), 2 bad usage (one line naming the flag).
 */
async function main(argv: string[], context: CliContext): Promise<number> {
  const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
  const program = new Command('katib')
    .description("Kubeflow Katib's hyperparameter tuning with push-based metrics collection")
    .version(version)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    });
  let running = 'katib';
  program.hook('preAction', (_program, action) => {
    running = `katib ${action.name()}`;
  });
  for (const file of commandFiles()) {
    const module = (await import(
      new URL(`./commands/${file}`, import.meta.url).href
    )) as Partial<CommandModule>;
    if (typeof module.register !== 'function')
      throw new Error(`cli/commands/${file} does not export register()`);
    module.register(program, context);
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    // Commander has printed its own one-line message (or the help/version text).
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const code =
      err instanceof CliError
        ? err.exitCode
        : err instanceof KatibError && err.code === 'invalid_argument'
          ? 2
          : 1;
    const message = err instanceof Error ? err.message : String(err);
    context.stderr.write(`${running}: ${message}\n`);
    return code;
  }
}

/** The command modules next to this file: `.ts` under tsx, `.js` once built. */
function commandFiles(): string[] {
  return readdirSync(new URL('./commands/', import.meta.url))
    .filter((name) => /\.(?:js|ts)$/.test(name) && !name.endsWith('.d.ts'))
    .sort();
}

// A reader closing katib's output (`| head -3`) must not end a run (see closed-output.ts).
for (const stream of [process.stdout, process.stderr]) keepRunningWhenOutputCloses(stream);
const code = await main(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
// Exit even if a library left a handle open (a pool's idle timer): the command has finished.
process.exit(code);
