import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Resolved here: a child started in another directory could not find `tsx` by name.
const TSX = import.meta.resolve('tsx');

/** A `katib` process (src/cli/main.ts under tsx) with its output collected. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], env: Record<string, string | undefined> = {}, cwd = ROOT) {
    // Katib's variables from the machine running the tests must not leak into the child.
    const base = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(KATIB_|DB_|SKIP_DB_INITIALIZATION$)/.test(k)),
    );
    this.child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
      cwd,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = once(this.child, 'exit').then(([code, signal]) => ({ code, signal }));
  }

  /** The JSON log lines printed so far. */
  logLines(): Record<string, unknown>[] {
    return this.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Waits for a log line with `msg`, failing after `timeoutMs` or if the process exits first. */
  async waitForLog(msg: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
    });
    for (;;) {
      const line = this.logLines().find((l) => l.msg === msg);
      if (line) return line;
      if (exited || Date.now() > deadline) {
        throw new Error(`no "${msg}" log line; stdout: ${this.stdout} stderr: ${this.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.child.kill(signal);
  }
}

/** Runs `katib args...` to its end. */
export async function runCli(args: string[], env: Record<string, string | undefined> = {}, cwd?: string) {
  const cli = new CliProcess(args, env, cwd);
  const { code } = await cli.exited;
  return { code, stdout: cli.stdout, stderr: cli.stderr };
}
