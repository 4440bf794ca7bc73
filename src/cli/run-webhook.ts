import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { shimsConfigMap, startWebhookServer } from '../injection/index.js';
import { tryParseHostPort } from '../rpc/index.js';
import { type CliContext, CliError, usageError } from './context.js';
import { flagOrEnv, listenAddress, type Setting } from './options.js';
import { shutdownSignal } from './signals.js';

export interface WebhookFlags {
  tlsCert?: string;
  tlsKey?: string;
  listen?: string;
  dbManagerAddress?: string;
  dbManagerHttpAddress?: string;
  shimsConfigmap?: string;
  printConfigmap?: boolean;
}

/** Serves the admission webhook until SIGTERM/SIGINT (or prints the shims ConfigMap). */
export async function runWebhook(flags: WebhookFlags, context: CliContext): Promise<void> {
  const { env, stderr } = context;
  const configMap = flagOrEnv(
    '--shims-configmap',
    flags.shimsConfigmap,
    env,
    'KATIB_SHIMS_CONFIGMAP',
    'katib-ts-injection-shims',
  );
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(configMap.value))
    throw usageError(
      configMap.source,
      configMap.value,
      'must be a Kubernetes object name (lower case, digits, - and .)',
    );
  if (flags.printConfigmap) {
    context.stdout.write(stringify(shimsConfigMap(configMap.value)));
    return;
  }
  const cert = flagOrEnv('--tls-cert', flags.tlsCert, env, 'KATIB_WEBHOOK_TLS_CERT', '');
  const key = flagOrEnv('--tls-key', flags.tlsKey, env, 'KATIB_WEBHOOK_TLS_KEY', '');
  if (cert.value === '')
    throw usageError('--tls-cert', '', 'is required: the API server calls webhooks over HTTPS only');
  if (key.value === '') throw usageError('--tls-key', '', 'is required with --tls-cert');
  const listen = listenAddress(
    flagOrEnv('--listen', flags.listen, env, 'KATIB_WEBHOOK_LISTEN', '0.0.0.0:8443'),
  );
  const grpc = address(
    flagOrEnv(
      '--db-manager-address',
      flags.dbManagerAddress,
      env,
      'KATIB_DB_MANAGER_ADDRESS',
      'katib-db-manager.kubeflow:6789',
    ),
  );
  const http = address(
    flagOrEnv(
      '--db-manager-http-address',
      flags.dbManagerHttpAddress,
      env,
      'KATIB_DB_MANAGER_HTTP_ADDRESS',
      'katib-db-manager.kubeflow:8080',
    ),
  );
  const [certPem, keyPem] = await Promise.all([pem(cert), pem(key)]);
  const at = tryParseHostPort(listen)!;
  const signal = shutdownSignal(() => process.exit(1));
  let server: Awaited<ReturnType<typeof startWebhookServer>>;
  try {
    server = await startWebhookServer({
      cert: certPem,
      key: keyPem,
      host: at.host,
      port: at.port,
      dbManagerAddress: grpc,
      dbManagerHttpAddress: http,
      shimsConfigMap: configMap.value,
    });
  } catch (err) {
    throw new CliError(`cannot serve on ${listen}: ${err instanceof Error ? err.message : String(err)}`, 1);
  }
  stderr.write(`katib webhook: listening on https://${server.address} (trials push to ${http})\n`);
  const received = await signal;
  stderr.write(`katib webhook: ${received}: stopping\n`);
  await server.close();
}

/** A host:port the cluster resolves (a Service name is fine); exit 2 naming its source otherwise. */
function address(setting: Setting): string {
  if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(setting.value) && tryParseHostPort(setting.value) === undefined)
    throw usageError(setting.source, setting.value, 'must be HOST:PORT');
  return setting.value;
}

async function pem(setting: Setting): Promise<string> {
  try {
    return await readFile(setting.value, 'utf8');
  } catch (err) {
    throw usageError(setting.source, setting.value, `cannot be read: ${(err as Error).message}`);
  }
}
