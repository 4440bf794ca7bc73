import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { shimsConfigMap, startWebhookServer } from '../injection/index.js';
import { tryParseHostPort } from '../rpc/index.js';
import { type CliContext, CliError, usageError } from './context.js';
import type { Setting } from './flags.js';
import { listenAddress } from './options.js';
import { shutdownSignal } from './signals.js';
import { clusterAddress, type WebhookFlags } from './webhook-flags.js';

/** Serves the admission webhook until SIGTERM/SIGINT (or prints the shims ConfigMap). */
export async function runWebhook(flags: WebhookFlags, context: CliContext): Promise<void> {
  const { stderr } = context;
  const { shimsConfigmap: configMap } = flags;
  if (flags.printConfigmap) {
    context.stdout.write(stringify(shimsConfigMap(configMap)));
    return;
  }
  const cert = flags.tlsCert;
  const key = flags.tlsKey;
  if (cert === undefined || cert.value === '')
    throw usageError('--tls-cert', '', 'is required: the API server calls webhooks over HTTPS only');
  if (key === undefined || key.value === '') throw usageError('--tls-key', '', 'is required with --tls-cert');
  const listen = listenAddress(flags.listen);
  const grpc = clusterAddress(flags.dbManagerAddress);
  const http = clusterAddress(flags.dbManagerHttpAddress);
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
      shimsConfigMap: configMap,
    });
  } catch (err) {
    throw new CliError(`cannot serve on ${listen}: ${err instanceof Error ? err.message : String(err)}`, 1);
  }
  stderr.write(`katib webhook: listening on https://${server.address} (trials push to ${http})\n`);
  const received = await signal;
  stderr.write(`katib webhook: ${received}: stopping\n`);
  await server.close();
}

async function pem(setting: Setting): Promise<string> {
  try {
    return await readFile(setting.value, 'utf8');
  } catch (err) {
    throw usageError(setting.source, setting.value, `cannot be read: ${(err as Error).message}`);
  }
}
