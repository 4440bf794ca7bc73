import { existsSync } from 'node:fs';
import { HOST_PORT_RULE, tryParseHostPort } from '../rpc/index.js';
import type { CliContext } from './context.js';
import { usageError } from './context.js';
import { flagOrEnv } from './options.js';

export const DEFAULT_SERVER = '127.0.0.1:6789';
export const SERVER_FLAG_HELP = `the katib server's gRPC address, https://HOST:PORT for TLS [env KATIB_SERVER] (default: ${DEFAULT_SERVER})`;
export const TOKEN_FLAG_HELP = 'the operator token of a server with --auth [env KATIB_OPERATOR_TOKEN]';
export const CA_FILE_FLAG_HELP =
  "PEM CA file the server's TLS certificate is checked against [env KATIB_DB_MANAGER_CA] (default: the system's CAs)";

/** --server, else KATIB_SERVER, else the default; exit 2 naming where a bad one came from. */
export function serverAddress(given: string | undefined, env: CliContext['env']): string {
  const setting = flagOrEnv('--server', given, env, 'KATIB_SERVER', DEFAULT_SERVER);
  const bare = setting.value.replace(/^https:\/\//, '').replace(/\/$/, '');
  if (tryParseHostPort(bare) === undefined)
    throw usageError(setting.source, setting.value, `${HOST_PORT_RULE} (https://HOST:PORT for TLS)`);
  return setting.value;
}

/** --token (else KATIB_OPERATOR_TOKEN) and --ca-file (else KATIB_DB_MANAGER_CA), for KatibClient. */
export function serverSecurity(
  flags: { token?: string; caFile?: string },
  env: CliContext['env'],
): { token?: string; caFile?: string } {
  const token = flagOrEnv('--token', flags.token, env, 'KATIB_OPERATOR_TOKEN', '');
  const caFile = flagOrEnv('--ca-file', flags.caFile, env, 'KATIB_DB_MANAGER_CA', '');
  if (token.source === '--token' && !/^[\x21-\x7e]+$/.test(token.value))
    throw usageError('--token', '(given)', 'must be printable ASCII without spaces');
  if (caFile.source !== 'default' && !existsSync(caFile.value))
    throw usageError(caFile.source, caFile.value, 'is not a file that exists');
  return {
    ...(token.value !== '' ? { token: token.value } : {}),
    ...(caFile.value !== '' ? { caFile: caFile.value } : {}),
  };
}
