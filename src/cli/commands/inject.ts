import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { InjectFlags } from '../run-inject.js';

/** `katib inject FILE`: shows how Push injection rewrites a trial's metric prints. */
export function register(program: Command, context: CliContext): void {
  program
    .command('inject')
    .argument('<file>', 'Python, JavaScript or TypeScript source ("-" reads standard input)')
    .description(
      'Rewrite the statements of FILE that print metrics (e.g. print(f"loss={loss}")) into pushes to the DB manager, ' +
        'as Push collection does for unmodified trials: the rewritten source on stdout, a report of what changed on stderr.',
    )
    .option('--language <language>', 'python, javascript or typescript (default: from the file name)')
    .option(
      '--metric <name>',
      'a metric name to recognise, repeatable: the objective and additional metrics (required)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--metrics-format <regex>',
      "a Katib metricsFormat filter, repeatable (group 1 the name, group 2 the value; default Katib's name=value filter)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .addHelpText('after', '\nExit codes: 0 done (rewritten or not), 1 the file cannot be read, 2 bad usage.')
    .action(async (file: string, flags: InjectFlags) => {
      const { runInject } = await import('../run-inject.js');
      await runInject(file, flags, context);
    });
}
