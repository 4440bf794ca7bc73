/**
 * The security flags' definitions (docs/security.md), cheap to import: command modules load on
 * every run of `katib`. security-settings.ts reads and checks them.
 */
import type { Command } from 'commander';

export interface SecurityFlags {
  auth?: boolean;
  authSecretFile?: string;
  operatorToken?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
}

/** Adds the security flags to `command` (call before `.action`). */
export function addSecurityOptions(command: Command): Command {
  return command
    .option(
      '--auth',
      'require tokens: trials push with their own (KATIB_TRIAL_TOKEN), reads, deletes and the dashboard need the operator token [env KATIB_AUTH] (default: off)',
    )
    .option(
      '--auth-secret-file <file>',
      'with --auth: the secret trial tokens derive from (>= 16 bytes) [env KATIB_AUTH_SECRET_FILE] (default: one generated and kept in the database)',
    )
    .option(
      '--operator-token <token>',
      'with --auth: the operator token [env KATIB_OPERATOR_TOKEN] (default: derived from the secret, logged at start)',
    )
    .option('--tls-cert <file>', 'serve TLS with this PEM certificate (chain) [env KATIB_TLS_CERT]')
    .option('--tls-key <file>', "the certificate's PEM private key [env KATIB_TLS_KEY]")
    .option(
      '--tls-ca <file>',
      'the PEM CA trials trust the certificate by [env KATIB_TLS_CA] (default: the certificate itself, right for a self-signed one)',
    );
}
