import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { HOST_PORT_RULE, tryParseHostPort } from '../rpc/index.js';
import { usageError } from './context.js';
import { flag, type Setting } from './flags.js';
import { outputOption } from './options.js';

export const DEFAULT_SERVER = '127.0.0.1:6789';

/** The flags of a command that talks to a `katib server`, once checked. */
export interface ServerFlags {
  server: string;
  token?: string;
  caFile?: string;
  output: 'text' | 'json';
}

/**
 * Adds `--server` (KATIB_SERVER), `--token` (KATIB_OPERATOR_TOKEN), `--ca-file`
 * (KATIB_DB_MANAGER_CA) and `-o, --output` to katib create/get/delete.
 */
export function addServerOptions(command: Command, outputHelp?: string): Command {
  return command
    .addOption(
      flag('--server <host:port>', "the katib server's gRPC address, https://HOST:PORT for TLS", {
        env: 'KATIB_SERVER',
        default: DEFAULT_SERVER,
        check: serverAddress,
      }),
    )
    .addOption(
      flag('--token <token>', 'the operator token of a server with --auth', {
        env: 'KATIB_OPERATOR_TOKEN',
        check: operatorToken,
      }),
    )
    .addOption(
      flag('--ca-file <file>', "PEM CA file the server's TLS certificate is checked against", {
        env: 'KATIB_DB_MANAGER_CA',
        default: '',
        shown: "the system's CAs",
        check: caFile,
      }),
    )
    .addOption(outputOption(outputHelp));
}

/** A server address, `HOST:PORT` or `https://HOST:PORT`; exit 2 naming where a bad one came from. */
export function serverAddress(setting: Setting): string {
  const bare = setting.value.replace(/^https:\/\//, '').replace(/\/$/, '');
  if (tryParseHostPort(bare) === undefined)
    throw usageError(setting.source, setting.value, `${HOST_PORT_RULE} (https://HOST:PORT for TLS)`);
  return setting.value;
}

/** A token given as `--token` is printable ASCII (one from KATIB_OPERATOR_TOKEN is taken as it is). */
export function operatorToken(setting: Setting): string | undefined {
  if (setting.source === '--token' && !/^[\x21-\x7e]+$/.test(setting.value))
    throw usageError('--token', '(given)', 'must be printable ASCII without spaces');
  return setting.value === '' ? undefined : setting.value;
}

/** A CA file that exists ('' for the system's CAs). */
export function caFile(setting: Setting): string | undefined {
  if (setting.source !== 'default' && !existsSync(setting.value))
    throw usageError(setting.source, setting.value, 'is not a file that exists');
  return setting.value === '' ? undefined : setting.value;
}
