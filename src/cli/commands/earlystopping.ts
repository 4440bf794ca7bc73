import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { flag } from '../flags.js';
import { listenAddress } from '../options.js';
import type { EarlyStoppingFlags } from '../run-earlystopping.js';

/** `katib earlystopping`: the early stopping algorithms as Katib's EarlyStopping gRPC service. */
export function register(program: Command, context: CliContext): void {
  program
    .command('earlystopping')
    .description(
      "Serve the early stopping algorithms (medianstop) as Katib's EarlyStopping gRPC service (GetEarlyStoppingRules, " +
        'SetTrialStatus, ValidateEarlyStoppingSettings, health); rules read trial logs from the DB manager the request ' +
        'names. Stops on SIGTERM/SIGINT after draining calls.',
    )
    .addOption(
      flag(
        '--listen <host:port>',
        'gRPC address; Katib dials early stopping on port 6788, use 0.0.0.0:6788 in a pod',
        { env: 'KATIB_EARLY_STOPPING_LISTEN', default: '127.0.0.1:6788', check: listenAddress },
      ),
    )
    .addOption(
      flag(
        '--token <token>',
        "the DB managers' operator token, needed to read trial logs from one running with --auth",
        { env: 'KATIB_OPERATOR_TOKEN' },
      ),
    )
    .action(async (flags: EarlyStoppingFlags) => {
      const { runEarlyStopping } = await import('../run-earlystopping.js');
      await runEarlyStopping(flags, context);
    });
}
