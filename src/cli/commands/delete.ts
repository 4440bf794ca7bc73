import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { ManageFlags } from '../run-manage.js';
import { CA_FILE_FLAG_HELP, SERVER_FLAG_HELP, TOKEN_FLAG_HELP } from '../server-address.js';

/** `katib delete NAME`: an experiment, its trials and their observation logs. */
export function register(program: Command, context: CliContext): void {
  program
    .command('delete')
    .description('Stop and delete an experiment, its trials and their observation logs, on a katib server')
    .argument('<name>', 'the experiment')
    .option('--server <host:port>', SERVER_FLAG_HELP)
    .option('--token <token>', TOKEN_FLAG_HELP)
    .option('--ca-file <file>', CA_FILE_FLAG_HELP)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (name: string, flags: ManageFlags) => {
      const { runDelete } = await import('../run-manage.js');
      await runDelete(name, flags, context);
    });
}
