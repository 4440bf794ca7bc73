import { CliProcess } from '../cli/spawn-cli.js';

/** A real `katib server` process (src/cli/main.ts under tsx) on free loopback ports. */
export interface ServerProcess {
  cli: CliProcess;
  address: string;
  /** The experiments it resumed at start, from its ready line. */
  resumed: string[];
  /** SIGTERM, and the exit it ends with. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startServer(
  db: string,
  workDir: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const cli = new CliProcess(
    ['server', '--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--db', db, '--work-dir', workDir],
    env,
  );
  const ready = await cli.waitForLog('katib server ready', 30_000);
  return {
    cli,
    address: String(ready.grpcAddress),
    resumed: ready.resumed as string[],
    async stop() {
      cli.kill('SIGTERM');
      return cli.exited;
    },
  };
}
