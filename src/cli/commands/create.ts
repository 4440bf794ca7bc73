import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { CreateFlags } from '../run-manage.js';
import { CA_FILE_FLAG_HELP, SERVER_FLAG_HELP, TOKEN_FLAG_HELP } from '../server-address.js';

/** `katib create -f FILE`: an Experiment created on a `katib server`. */
export function register(program: Command, context: CliContext): void {
  program
    .command('create')
    .description('Create an Experiment (Katib v1beta1, YAML or JSON) on a katib server, which starts it')
    .requiredOption('-f, --filename <file>', 'the Experiment file')
    .option('--server <host:port>', SERVER_FLAG_HELP)
    .option('--token <token>', TOKEN_FLAG_HELP)
    .option('--ca-file <file>', CA_FILE_FLAG_HELP)
    .option('-o, --output <format>', 'text or json (the stored Experiment)', 'text')
    .action(async (flags: CreateFlags) => {
      const { runCreate } = await import('../run-manage.js');
      await runCreate(flags, context);
    });
}
