import { HOST_PORT_RULE, tryParseHostPort } from '../dbmanager/address.js';
import type { CliContext } from './context.js';
import { usageError } from './context.js';
import { flagOrEnv } from './options.js';

export const DEFAULT_SERVER = '127.0.0.1:6789';
export const SERVER_FLAG_HELP = `the katib server's gRPC address [env KATIB_SERVER] (default: ${DEFAULT_SERVER})`;

/** --server, else KATIB_SERVER, else the default; exit 2 naming where a bad one came from. */
export function serverAddress(given: string | undefined, env: CliContext['env']): string {
  const setting = flagOrEnv('--server', given, env, 'KATIB_SERVER', DEFAULT_SERVER);
  if (tryParseHostPort(setting.value) === undefined)
    throw usageError(setting.source, setting.value, HOST_PORT_RULE);
  return setting.value;
}
