import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { addLocalDatabaseOption } from '../local-database-option.js';
import type { ManageFlags } from '../run-manage.js';
import { addServerOptions } from '../server-address.js';

/** `katib get experiments | experiment NAME | trials NAME`. */
export function register(program: Command, context: CliContext): void {
  addLocalDatabaseOption(addServerOptions(program.command('get')))
    .description(
      "Show experiments, one experiment, or an experiment's trials, from a katib server (or a local database with --db)",
    )
    .argument('<what>', 'experiments, experiment or trials')
    .argument('[name]', 'the experiment (for experiment and trials)')
    .action(async (what: string, name: string | undefined, flags: ManageFlags) => {
      const { runGet } = await import('../run-manage.js');
      await runGet(what, name, flags, context);
    });
}
