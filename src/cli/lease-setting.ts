import { flagOrEnv, positiveSeconds } from './options.js';

/** `--lease-seconds` help, shared by `katib run` and `katib server`. */
export const LEASE_SECONDS_HELP =
  'seconds an experiment stays owned by this process without a heartbeat (heartbeats come every third of it): ' +
  'after a crash (kill -9) another run takes it over once this has passed [env KATIB_LEASE_SECONDS] (default: 30)';

/** The lease length from `--lease-seconds` or KATIB_LEASE_SECONDS; undefined: the manager's default. */
export function leaseSeconds(
  given: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): number | undefined {
  const setting = flagOrEnv('--lease-seconds', given, env, 'KATIB_LEASE_SECONDS', '');
  return setting.source === 'default' ? undefined : positiveSeconds(setting);
}
