import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { flag, keepSource } from '../flags.js';
import type { SuggestionFlags } from '../run-suggestion.js';

/** `katib suggestion`: one search algorithm as Katib's Suggestion gRPC service. */
export function register(program: Command, context: CliContext): void {
  program
    .command('suggestion')
    .description(
      "Serve one search algorithm as Katib's Suggestion gRPC service (GetSuggestions, ValidateAlgorithmSettings, " +
        "health), so Katib's own controller can use it. Stops on SIGTERM/SIGINT after draining calls.",
    )
    .addOption(
      flag(
        '--algorithm <name>',
        'the Katib algorithmName to serve, required (tpe, random, grid, hyperband, ...; an unknown name lists them all)',
        { env: 'KATIB_SUGGESTION_ALGORITHM', check: keepSource },
      ),
    )
    .addOption(
      flag(
        '--listen <host:port>',
        'gRPC address; Katib dials suggestion services on port 6789, use 0.0.0.0:6789 in a pod',
        { env: 'KATIB_SUGGESTION_LISTEN', default: '127.0.0.1:6789', check: keepSource },
      ),
    )
    .action(async (flags: SuggestionFlags) => {
      const { runSuggestion } = await import('../run-suggestion.js');
      await runSuggestion(flags, context);
    });
}
