/**
 * What a trial needs to push to a DB manager with authentication or TLS on (docs/security.md),
 * as environment variables: its own token, and how to trust the server's certificate.
 */

export interface TrialAccess {
  /** The trial's token (DbManagerAuth.tokenFor); absent when authentication is off. */
  tokenFor?: (trialName: string) => string;
  /** Set when the DB manager serves TLS: the CA file trials trust (absent: the system's CAs). */
  tls?: { caFile?: string };
}

/**
 * KATIB_TRIAL_TOKEN, KATIB_DB_MANAGER_TLS and KATIB_DB_MANAGER_CA for `trialName`; `local` adds
 * NODE_EXTRA_CA_CERTS (the CA for Node's fetch, which the injected JavaScript push code uses),
 * a path that only means something on this machine.
 */
export function trialAccessEnv(
  access: TrialAccess | undefined,
  trialName: string,
  local: boolean,
): Record<string, string> {
  const env: Record<string, string> = {};
  if (access?.tokenFor) env.KATIB_TRIAL_TOKEN = access.tokenFor(trialName);
  if (access?.tls) {
    env.KATIB_DB_MANAGER_TLS = 'true';
    const ca = access.tls.caFile;
    if (ca !== undefined && local) {
      env.KATIB_DB_MANAGER_CA = ca;
      env.NODE_EXTRA_CA_CERTS = ca;
    }
  }
  return env;
}
