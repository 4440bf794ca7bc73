import type { Command } from 'commander';
import { addCleanEnvOption } from '../clean-env-flag.js';
import type { CliContext } from '../context.js';
import { databaseOption } from '../database-setting.js';
import { flag } from '../flags.js';
import { leaseSecondsOption } from '../lease-setting.js';
import { addLimitOptions } from '../limit-settings.js';
import { addServiceOptions, oneOf } from '../options.js';
import type { ServerFlags } from '../run-server.js';
import { addSecurityOptions } from '../security-flags.js';

/** `katib server`: DB manager, controllers and local runner as one long-running service. */
export function register(program: Command, context: CliContext): void {
  const command = program
    .command('server')
    .description(
      "Run katib-ts as a service: Katib's DBManager and the experiment API on one gRPC address, " +
        'a controller for every unfinished experiment (resumed at start), trials as local processes. ' +
        'KatibClient({address}) and katib create/get/delete --server talk to it. Stops on SIGTERM/SIGINT; ' +
        'running trials are resumed at the next start.',
    );
  addServiceOptions(command, 'KATIB_SERVER_LISTEN', 'HTTP address for JSON pushes and /healthz')
    .addOption(
      databaseOption(
        "database URL: sqlite:PATH, mysql://USER:PASS@HOST:PORT/DB, postgres://... (else Katib's DB_NAME/DB_USER/... variables)",
        context.env,
      ),
    )
    .addOption(
      flag('--work-dir <dir>', 'trial T of experiment E runs in DIR/E/T', {
        env: 'KATIB_WORK_DIR',
        default: '.katib',
      }),
    )
    .addOption(leaseSecondsOption())
    .addOption(
      flag(
        '--runner <kind>',
        'local (trials as processes here) or kubernetes (trials as their Kubernetes resources, batch/v1 Jobs; ' +
          "cluster from the pod's service account or KUBECONFIG; trials reach the DB manager at " +
          'katib-db-manager.NAMESPACE.svc:6789/8080, or KATIB_TRIAL_DB_MANAGER_ADDRESS / KATIB_TRIAL_DB_MANAGER_HTTP_ADDRESS)',
        { env: 'KATIB_RUNNER', default: 'local', check: oneOf('local', 'kubernetes') },
      ),
    )
    .addOption(
      flag('--namespace <name>', 'kubernetes runner: the namespace trials run in', {
        env: 'KATIB_NAMESPACE',
        default: '',
        shown: "the experiment's, else the service account's or kubeconfig context's",
      }),
    )
    .addOption(
      flag(
        '--ui-write',
        'let the dashboard (served on the HTTP port) delete experiments; without it the dashboard is read-only',
        { env: 'KATIB_UI_WRITE' },
      ),
    )
    .action(async (flags: ServerFlags) => {
      const { runServer } = await import('../run-server.js');
      await runServer(flags, context);
    });
  addSecurityOptions(command);
  addLimitOptions(command);
  addCleanEnvOption(command);
}
