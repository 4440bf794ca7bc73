import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { flag, keepSource } from '../flags.js';
import { configMapName, type WebhookFlags } from '../webhook-flags.js';

/** `katib webhook`: the mutating admission webhook that makes Katib trial Pods push their metrics. */
export function register(program: Command, context: CliContext): void {
  program
    .command('webhook')
    .description(
      'Serve the Kubernetes mutating admission webhook (admission.k8s.io/v1, HTTPS) for Pods labelled ' +
        'katib.kubeflow.org/trial: their primary container gets KATIB_TRIAL_NAME and the DB manager address, its ' +
        'inline code (python -c, node -e, sh -c heredocs) has its metric prints rewritten into pushes, and the ' +
        'runtime shims are mounted for script files. No sidecar. Other Pods are allowed untouched.',
    )
    .addOption(
      flag('--shims-configmap <name>', 'the ConfigMap with the runtime shims, in each trial namespace', {
        env: 'KATIB_SHIMS_CONFIGMAP',
        default: 'katib-ts-injection-shims',
        check: configMapName,
      }),
    )
    .addOption(
      flag('--tls-cert <file>', 'PEM certificate the API server trusts, required', {
        env: 'KATIB_WEBHOOK_TLS_CERT',
        check: keepSource,
      }),
    )
    .addOption(
      flag('--tls-key <file>', 'PEM private key of the certificate, required', {
        env: 'KATIB_WEBHOOK_TLS_KEY',
        check: keepSource,
      }),
    )
    .addOption(
      flag('--listen <host:port>', 'HTTPS address', {
        env: 'KATIB_WEBHOOK_LISTEN',
        default: '0.0.0.0:8443',
        check: keepSource,
      }),
    )
    .addOption(
      flag('--db-manager-address <host:port>', "the DB manager's gRPC address given to trials", {
        env: 'KATIB_DB_MANAGER_ADDRESS',
        default: 'katib-db-manager.kubeflow:6789',
        check: keepSource,
      }),
    )
    .addOption(
      flag(
        '--db-manager-http-address <host:port>',
        "the DB manager's HTTP JSON address injected code pushes to",
        {
          env: 'KATIB_DB_MANAGER_HTTP_ADDRESS',
          default: 'katib-db-manager.kubeflow:8080',
          check: keepSource,
        },
      ),
    )
    .option(
      '--print-configmap',
      'print that ConfigMap (YAML) on stdout and exit, to kubectl apply -n NAMESPACE -f -',
    )
    // The addresses are checked when serving (after --print-configmap), by runWebhook.
    .addHelpText(
      'after',
      '\nTrial Pods name their metrics in the annotation katib-ts.kubeflow.org/metric-names (see docs/injection.md).\nStops on SIGTERM/SIGINT.',
    )
    .action(async (flags: WebhookFlags) => {
      const { runWebhook } = await import('../run-webhook.js');
      await runWebhook(flags, context);
    });
}
