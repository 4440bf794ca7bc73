/**
 * The security flags of `katib db-manager`, `katib server` and `katib run` (docs/security.md), each
 * with an env fallback, checked before anything starts: exit 2 naming the flag (or variable), the
 * value and the rule.
 */
import {
  type AuthSettings,
  DbManagerAuth,
  readAuthSecretFile,
  readCaFile,
  readTlsMaterial,
  type TlsMaterial,
} from '../dbmanager/index.js';
import { CliError, usageError } from './context.js';
import type { Setting } from './flags.js';
import type { SecurityFlags } from './security-flags.js';

export interface SecuritySettings {
  auth?: AuthSettings;
  tls?: TlsMaterial & { caFile?: string };
}

const UNSET: Setting = { value: '', source: 'default' };

/** Reads and checks the security settings as they go together: exit 2 naming the bad one. */
export async function securitySettings(flags: SecurityFlags): Promise<SecuritySettings> {
  const settings: SecuritySettings = {};
  const secretFile = flags.authSecretFile ?? UNSET;
  const operator = flags.operatorToken ?? UNSET;
  if (flags.auth !== true) {
    // A flag given without --auth would look like protection that is not there.
    for (const [flag, setting] of [
      ['--auth-secret-file', secretFile],
      ['--operator-token', operator],
    ] as const) {
      if (setting.source === flag) throw usageError(flag, '(given)', 'needs --auth (or KATIB_AUTH=true)');
    }
  } else {
    const auth: AuthSettings = {};
    if (secretFile.value !== '') {
      try {
        auth.secret = await readAuthSecretFile(secretFile.value, secretFile.source);
      } catch (err) {
        throw new CliError((err as Error).message, 2);
      }
    }
    if (operator.value !== '') {
      try {
        // The constructor checks the token's form; the secret here is a stand-in.
        new DbManagerAuth({ secret: Buffer.alloc(32), operatorToken: operator.value });
      } catch {
        throw new CliError(
          `${operator.source}: a token of ${operator.value.length} characters must be 16 to 512 printable ASCII characters without spaces`,
          2,
        );
      }
      auth.operatorToken = operator.value;
    }
    settings.auth = auth;
  }

  const cert = flags.tlsCert ?? UNSET;
  const key = flags.tlsKey ?? UNSET;
  const ca = flags.tlsCa ?? UNSET;
  if (cert.value === '' && key.value !== '')
    throw usageError(key.source, key.value, 'needs --tls-cert (or KATIB_TLS_CERT) too');
  if (cert.value !== '' && key.value === '')
    throw usageError(cert.source, cert.value, 'needs --tls-key (or KATIB_TLS_KEY) too');
  if (cert.value === '' && ca.value !== '')
    throw usageError(ca.source, ca.value, 'needs --tls-cert and --tls-key');
  if (cert.value !== '') {
    try {
      const material = readTlsMaterial(cert.value, key.value, { cert: cert.source, key: key.source });
      if (ca.value !== '') readCaFile(ca.value, ca.source);
      settings.tls = { ...material, caFile: ca.value || cert.value };
    } catch (err) {
      throw new CliError((err as Error).message, 2);
    }
  }
  return settings;
}

/** `http://host:port/...` as the dashboard URL to open: https with TLS, `?token=` with auth. */
export function dashboardLink(url: string, operatorToken: string | undefined, tls: boolean): string {
  const link = new URL(url);
  if (tls) link.protocol = 'https:';
  if (operatorToken !== undefined) link.searchParams.set('token', operatorToken);
  return link.href;
}
