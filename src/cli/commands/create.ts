import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { CreateFlags } from '../run-manage.js';
import { addServerOptions } from '../server-address.js';

/** `katib create -f FILE`: an Experiment created on a `katib server`. */
export function register(program: Command, context: CliContext): void {
  addServerOptions(program.command('create'), 'text or json (the stored Experiment)')
    .description('Create an Experiment (Katib v1beta1, YAML or JSON) on a katib server, which starts it')
    .requiredOption('-f, --filename <file>', 'the Experiment file')
    .action(async (flags: CreateFlags) => {
      const { runCreate } = await import('../run-manage.js');
      await runCreate(flags, context);
    });
}
