import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { databaseOption } from '../database-setting.js';
import { addLimitOptions } from '../limit-settings.js';
import { addServiceOptions } from '../options.js';
import type { DbManagerFlags } from '../run-db-manager.js';
import { addSecurityOptions } from '../security-flags.js';

/** `katib db-manager`: Katib's DBManager API on gRPC, the same as JSON over HTTP. */
export function register(program: Command, context: CliContext): void {
  const command = program
    .command('db-manager')
    .description(
      "Serve Katib's DBManager API (gRPC, cleartext HTTP/2) and the same as Connect JSON over HTTP, " +
        'storing observation logs in SQLite, MySQL/MariaDB or PostgreSQL. Stops on SIGTERM/SIGINT after draining calls.',
    );
  addServiceOptions(command, 'KATIB_DB_MANAGER_LISTEN', 'HTTP address for JSON calls and /healthz')
    .addOption(
      databaseOption(
        "database URL: sqlite:PATH, mysql://USER:PASS@HOST:PORT/DB, postgres://... (else Katib's DB_NAME/DB_USER/... variables)",
        context.env,
      ),
    )
    .addHelpText(
      'after',
      '\nSet SKIP_DB_INITIALIZATION=true to use existing tables as they are (as Katib does).',
    )
    .action(async (flags: DbManagerFlags) => {
      const { runDbManager } = await import('../run-db-manager.js');
      await runDbManager(flags, context);
    });
  addSecurityOptions(command);
  addLimitOptions(command);
}
