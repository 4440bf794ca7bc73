import type { Command } from 'commander';
import { addCleanEnvOption } from '../clean-env-flag.js';
import type { CliContext } from '../context.js';
import { addLimitOptions } from '../limit-settings.js';
import type { ServerFlags } from '../run-server.js';
import { addSecurityOptions } from '../security-flags.js';

/** `katib server`: DB manager, controllers and local runner as one long-running service. */
export function register(program: Command, context: CliContext): void {
  const command = addSecurityOptions(program.command('server'))
    .description(
      "Run katib-ts as a service: Katib's DBManager and the experiment API on one gRPC address, " +
        'a controller for every unfinished experiment (resumed at start), trials as local processes. ' +
        'KatibClient({address}) and katib create/get/delete --server talk to it. Stops on SIGTERM/SIGINT; ' +
        'running trials are resumed at the next start.',
    )
    .option('--listen <host:port>', 'gRPC address [env KATIB_SERVER_LISTEN] (default: 127.0.0.1:6789)')
    .option(
      '--http-listen <host:port>',
      'HTTP address for JSON pushes and /healthz, or "off" [env KATIB_HTTP_LISTEN] (default: 127.0.0.1:8080)',
    )
    .option(
      '--db <url>',
      "database URL: sqlite:PATH, mysql://USER:PASS@HOST:PORT/DB, postgres://... [env KATIB_DB_URL, else Katib's DB_NAME/DB_USER/... variables] (default: sqlite:katib.db)",
    )
    .option('--work-dir <dir>', "trials' folders go under DIR/<trial> [env KATIB_WORK_DIR] (default: .katib)")
    .option(
      '--db-connect-timeout <seconds>',
      'how long to wait for the database to answer at start [env KATIB_DB_CONNECT_TIMEOUT] (default: 60)',
    )
    .option(
      '--runner <kind>',
      'local (trials as processes here) or kubernetes (trials as their Kubernetes resources, batch/v1 Jobs; ' +
        "cluster from the pod's service account or KUBECONFIG; trials reach the DB manager at " +
        'katib-db-manager.NAMESPACE.svc:6789/8080, or KATIB_TRIAL_DB_MANAGER_ADDRESS / KATIB_TRIAL_DB_MANAGER_HTTP_ADDRESS) ' +
        '[env KATIB_RUNNER] (default: local)',
    )
    .option(
      '--namespace <name>',
      "kubernetes runner: the namespace trials run in [env KATIB_NAMESPACE] (default: the experiment's, else the service account's or kubeconfig context's)",
    )
    .option(
      '--ui-write',
      'let the dashboard (served on the HTTP port) delete experiments; without it the dashboard is read-only [env KATIB_UI_WRITE]',
    )
    .action(async (flags: ServerFlags) => {
      const { runServer } = await import('../run-server.js');
      await runServer(flags, context);
    });
  addLimitOptions(command);
  addCleanEnvOption(command);
}
