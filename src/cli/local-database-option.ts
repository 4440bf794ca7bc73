import type { Command } from 'commander';
import { Option } from 'commander';

/**
 * `--db URL` of `katib get` and `katib delete`: work on a database here (what `katib run --db`
 * wrote) instead of a katib server. A flag only, with no environment fallback on purpose:
 * KATIB_DB_URL configures `katib run` and `katib server`, and a shell that sets it for them must
 * not quietly turn every `katib get` away from the server it names.
 */
export function addLocalDatabaseOption(command: Command): Command {
  return command.addOption(
    new Option(
      '--db <url>',
      'a database here instead of a server: sqlite:PATH, mysql://..., postgres://... (as given to katib run --db)',
    ).conflicts(['token', 'caFile']),
  );
}
