/**
 * The security flags' definitions (docs/security.md), cheap to import: command modules load on
 * every run of `katib`. security-settings.ts checks how they go together.
 */
import type { Command } from 'commander';
import { flag, keepSource, type Setting } from './flags.js';

/** The security flags once parsed: each file or token with where it came from, to name it in errors. */
export interface SecurityFlags {
  auth?: boolean;
  authSecretFile?: Setting;
  operatorToken?: Setting;
  tlsCert?: Setting;
  tlsKey?: Setting;
  tlsCa?: Setting;
}

/** Adds the security flags to `command` (call before `.action`). */
export function addSecurityOptions(command: Command): Command {
  return command
    .addOption(
      flag(
        '--auth',
        'require tokens: trials push with their own (KATIB_TRIAL_TOKEN), reads, deletes and the dashboard need the operator token',
        { env: 'KATIB_AUTH' },
      ).default(false, 'off'),
    )
    .addOption(
      flag('--auth-secret-file <file>', 'with --auth: the secret trial tokens derive from (>= 16 bytes)', {
        env: 'KATIB_AUTH_SECRET_FILE',
        default: '',
        shown: 'one generated and kept in the database',
        check: keepSource,
      }),
    )
    .addOption(
      flag('--operator-token <token>', 'with --auth: the operator token', {
        env: 'KATIB_OPERATOR_TOKEN',
        default: '',
        shown: 'derived from the secret, logged at start',
        check: keepSource,
      }),
    )
    .addOption(
      flag('--tls-cert <file>', 'serve TLS with this PEM certificate (chain)', {
        env: 'KATIB_TLS_CERT',
        check: keepSource,
      }),
    )
    .addOption(
      flag('--tls-key <file>', "the certificate's PEM private key", {
        env: 'KATIB_TLS_KEY',
        check: keepSource,
      }),
    )
    .addOption(
      flag('--tls-ca <file>', 'the PEM CA trials trust the certificate by', {
        env: 'KATIB_TLS_CA',
        default: '',
        shown: 'the certificate itself, right for a self-signed one',
        check: keepSource,
      }),
    );
}
