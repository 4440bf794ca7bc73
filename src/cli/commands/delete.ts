import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { addLocalDatabaseOption } from '../local-database-option.js';
import type { ManageFlags } from '../run-manage.js';
import { addServerOptions } from '../server-address.js';

/** `katib delete NAME`: an experiment, its trials and their observation logs. */
export function register(program: Command, context: CliContext): void {
  addLocalDatabaseOption(addServerOptions(program.command('delete')))
    .description(
      'Stop and delete an experiment, its trials and their observation logs, on a katib server (or a local database with --db)',
    )
    .argument('<name>', 'the experiment')
    .action(async (name: string, flags: ManageFlags) => {
      const { runDelete } = await import('../run-manage.js');
      await runDelete(name, flags, context);
    });
}
