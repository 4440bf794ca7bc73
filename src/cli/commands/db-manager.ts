import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { addLimitOptions } from '../limit-settings.js';
import type { DbManagerFlags } from '../run-db-manager.js';
import { addSecurityOptions } from '../security-flags.js';

/** `katib db-manager`: Katib's DBManager API on gRPC, the same as JSON over HTTP. */
export function register(program: Command, context: CliContext): void {
  const command = addSecurityOptions(program.command('db-manager'))
    .description(
      "Serve Katib's DBManager API (gRPC, cleartext HTTP/2) and the same as Connect JSON over HTTP, " +
        'storing observation logs in SQLite, MySQL/MariaDB or PostgreSQL. Stops on SIGTERM/SIGINT after draining calls.',
    )
    .option('--listen <host:port>', 'gRPC address [env KATIB_DB_MANAGER_LISTEN] (default: 127.0.0.1:6789)')
    .option(
      '--http-listen <host:port>',
      'HTTP address for JSON calls and /healthz, or "off" [env KATIB_HTTP_LISTEN] (default: 127.0.0.1:8080)',
    )
    .option(
      '--db <url>',
      "database URL: sqlite:PATH, mysql://USER:PASS@HOST:PORT/DB, postgres://... [env KATIB_DB_URL, else Katib's DB_NAME/DB_USER/... variables] (default: sqlite:katib.db)",
    )
    .option(
      '--db-connect-timeout <seconds>',
      'how long to wait for the database to answer at start [env KATIB_DB_CONNECT_TIMEOUT] (default: 60)',
    )
    .addHelpText(
      'after',
      '\nSet SKIP_DB_INITIALIZATION=true to use existing tables as they are (as Katib does).',
    )
    .action(async (flags: DbManagerFlags) => {
      const { runDbManager } = await import('../run-db-manager.js');
      await runDbManager(flags, context);
    });
  addLimitOptions(command);
}
