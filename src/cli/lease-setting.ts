import { flag } from './flags.js';
import { positiveSeconds } from './options.js';

/** `--lease-seconds` (KATIB_LEASE_SECONDS), shared by `katib run` and `katib server`. */
export function leaseSecondsOption() {
  return flag(
    '--lease-seconds <seconds>',
    'seconds an experiment stays owned by this process without a heartbeat (heartbeats come every third of it): ' +
      'after a crash (kill -9) another run takes it over once this has passed',
    { env: 'KATIB_LEASE_SECONDS', default: '30', check: positiveSeconds },
  );
}
