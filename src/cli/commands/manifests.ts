import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { flag, keepSource } from '../flags.js';
import type { ManifestsFlags } from '../run-manifests.js';

/** `katib manifests`: the YAML that deploys katib-ts on a Kubernetes cluster. */
export function register(program: Command, context: CliContext): void {
  program
    .command('manifests')
    .description(
      'Print the YAML that deploys katib-ts on Kubernetes (kubectl apply -f -): the database (or a Secret ' +
        'naming an existing one), katib server --runner kubernetes (DB manager on 6789 behind the ' +
        'katib-db-manager Service, the controllers) with its RBAC, and the admission webhook with its ' +
        'MutatingWebhookConfiguration and certificate. See docs/kubernetes.md.',
    )
    .addOption(
      flag('--db <engine>', 'the database to deploy: mysql (MariaDB) or postgres', {
        env: 'KATIB_MANIFESTS_DB',
        default: '',
        shown: 'mysql',
        check: keepSource,
      }),
    )
    .addOption(
      flag('--namespace <name>', 'where katib-ts and its trials run', {
        env: 'KATIB_NAMESPACE',
        default: '',
        shown: 'kubeflow',
        check: keepSource,
      }),
    )
    .addOption(
      flag(
        '--db-secret <name>',
        'use an existing database instead: a Secret in the namespace whose key KATIB_DB_URL holds its URL',
        { env: 'KATIB_MANIFESTS_DB_SECRET', default: '', shown: 'none', check: keepSource },
      ),
    )
    .addOption(
      flag('--db-password <password>', "the deployed database's password", {
        env: 'KATIB_MANIFESTS_DB_PASSWORD',
        default: '',
        shown: 'random; keep the YAML',
        check: keepSource,
      }),
    )
    .addOption(
      flag('--image <ref>', 'the katib-ts image', {
        env: 'KATIB_IMAGE',
        default: '',
        shown: 'katib-ts:0.1.0, see docs/kubernetes.md',
        check: keepSource,
      }),
    )
    .addOption(
      flag('--certgen-image <ref>', "the image that makes the webhook's certificate", {
        env: 'KATIB_CERTGEN_IMAGE',
        default: '',
        shown: 'registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.4.1',
        check: keepSource,
      }),
    )
    .addHelpText('after', '\nExit codes: 0 printed, 2 bad usage.')
    .action(async (flags: ManifestsFlags) => {
      const { runManifests } = await import('../run-manifests.js');
      await runManifests(flags, context);
    });
}
