import type { Command } from 'commander';
import { addCleanEnvOption } from '../clean-env-flag.js';
import { addConfigMapOption } from '../config-map-setting.js';
import type { CliContext } from '../context.js';
import { databaseOption } from '../database-setting.js';
import { flag } from '../flags.js';
import { leaseSecondsOption } from '../lease-setting.js';
import { addLimitOptions } from '../limit-settings.js';
import { listenAddress, outputOption } from '../options.js';
import type { RunFlags } from '../run-experiment.js';
import { addSecurityOptions } from '../security-flags.js';

/** `katib run FILE`: a Katib Experiment file run to completion on this machine. */
export function register(program: Command, context: CliContext): void {
  const command = program
    .command('run')
    .argument('<file>', 'Katib v1beta1 Experiment, YAML or JSON')
    .description(
      'Run an Experiment to completion here: embedded DB manager, local trial processes, no server. ' +
        'Run the same command again to resume an interrupted experiment.',
    )
    .addOption(outputOption('text or json: json prints the final Experiment object on stdout'))
    .addOption(databaseOption('database URL: sqlite:PATH, mysql://..., postgres://...', context.env))
    .addOption(
      flag('--work-dir <dir>', 'trial T of experiment E runs in DIR/E/T', {
        env: 'KATIB_WORK_DIR',
        default: '.katib',
      }),
    )
    .option('-q, --quiet', 'no progress lines on stderr')
    .addOption(
      flag(
        '--ui [host:port]',
        'serve the dashboard (read-only) while the experiment runs and after it ends, until Ctrl-C; prints its URL on stderr (alone: a free loopback port)',
        { check: listenAddress },
      ).preset('127.0.0.1:0'),
    )
    .option(
      '--wait',
      'when another process runs this experiment (it holds its lease), wait for it to end and then resume, instead of refusing at once',
    )
    .addOption(leaseSecondsOption())
    .addHelpText(
      'after',
      '\nExit codes: 0 the experiment Succeeded, 1 it Failed or another process runs it, 2 bad usage or an invalid file, 130 interrupted (resumable).',
    )
    .action(async (file: string, flags: RunFlags) => {
      const { runExperiment } = await import('../run-experiment.js');
      await runExperiment(file, flags, context);
    });
  addSecurityOptions(command);
  addLimitOptions(command);
  addCleanEnvOption(command);
  addConfigMapOption(command);
}
