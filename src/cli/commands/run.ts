import type { Command } from 'commander';
import { addConfigMapOption } from '../config-map-setting.js';
import type { CliContext } from '../context.js';
import { addLimitOptions } from '../limit-settings.js';
import type { RunFlags } from '../run-experiment.js';
import { addSecurityOptions } from '../security-flags.js';

/** `katib run FILE`: a Katib Experiment file run to completion on this machine. */
export function register(program: Command, context: CliContext): void {
  const command = addSecurityOptions(program.command('run'))
    .argument('<file>', 'Katib v1beta1 Experiment, YAML or JSON')
    .description(
      'Run an Experiment to completion here: embedded DB manager, local trial processes, no server. ' +
        'Run the same command again to resume an interrupted experiment.',
    )
    .option(
      '--db <url>',
      'database URL: sqlite:PATH, mysql://..., postgres://... [env KATIB_DB_URL] (default: sqlite:katib.db)',
    )
    .option(
      '--work-dir <dir>',
      "trials' folders go under DIR/<experiment>/<trial> [env KATIB_WORK_DIR] (default: .katib)",
    )
    .option(
      '-o, --output <format>',
      'text or json: json prints the final Experiment object on stdout',
      'text',
    )
    .option('-q, --quiet', 'no progress lines on stderr')
    .option(
      '--ui [host:port]',
      'serve the dashboard (read-only) while the experiment runs and after it ends, until Ctrl-C; prints its URL on stderr (default address: a free loopback port)',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 the experiment Succeeded, 1 it Failed, 2 bad usage or an invalid file, 130 interrupted (resumable).',
    )
    .action(async (file: string, flags: RunFlags) => {
      const { runExperiment } = await import('../run-experiment.js');
      await runExperiment(file, flags, context);
    });
  addLimitOptions(command);
  addConfigMapOption(command);
}
