import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { ManageFlags } from '../run-manage.js';
import { CA_FILE_FLAG_HELP, SERVER_FLAG_HELP, TOKEN_FLAG_HELP } from '../server-address.js';

/** `katib get experiments | experiment NAME | trials NAME`. */
export function register(program: Command, context: CliContext): void {
  program
    .command('get')
    .description("Show experiments, one experiment, or an experiment's trials, from a katib server")
    .argument('<what>', 'experiments, experiment or trials')
    .argument('[name]', 'the experiment (for experiment and trials)')
    .option('--server <host:port>', SERVER_FLAG_HELP)
    .option('--token <token>', TOKEN_FLAG_HELP)
    .option('--ca-file <file>', CA_FILE_FLAG_HELP)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (what: string, name: string | undefined, flags: ManageFlags) => {
      const { runGet } = await import('../run-manage.js');
      await runGet(what, name, flags, context);
    });
}
