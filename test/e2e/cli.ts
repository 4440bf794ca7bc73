/**
 * `katib` as a user runs it: the built CLI (dist/cli/main.js, so `npm run build` first; the Node
 * example's `import 'katib-ts/report'` resolves to dist/ too) in a process of its own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import type { Experiment } from '../../src/api/experiment.js';
import type { Trial } from '../../src/api/trial.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
export const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
export const E2E_FIXTURES = fileURLToPath(new URL('../fixtures/experiments-e2e/', import.meta.url));

if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` before these tests`);

export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running `node dist/cli/main.js ARGS`, its output collected. */
export class KatibProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly ended: Promise<Ended>;

  constructor(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
    // The tests' own KATIB_* settings (test database URLs) must not reach the CLI.
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(KATIB_|DB_)/.test(k)));
    this.child = spawn(process.execPath, [MAIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...base, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      this.stdout += s;
    });
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      this.stderr += s;
    });
    this.ended = once(this.child, 'close').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
      stdout: this.stdout,
      stderr: this.stderr,
    }));
  }

  /** Resolves once stderr matches `pattern`; rejects if the process ends first or after `ms`. */
  async waitForStderr(pattern: RegExp, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    let ended = false;
    void this.ended.then(() => {
      ended = true;
    });
    while (!pattern.test(this.stderr)) {
      if (ended || Date.now() > deadline)
        throw new Error(`stderr never matched ${pattern}; stderr: ${this.stderr}\nstdout: ${this.stdout}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Runs `katib ARGS` to its end. */
export function katib(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Ended> {
  return new KatibProcess(args, options).ended;
}

/**
 * Experiment `name` and its trials as stored in the SQLite file `file` by a running `katib run`,
 * read without disturbing it; nothing yet when the file or its tables do not exist.
 */
export function readStore(file: string, name: string): { experiment?: Experiment; trials: Trial[] } {
  if (!existsSync(file)) return { trials: [] };
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    if (!db.prepare("SELECT name FROM sqlite_master WHERE name = 'trials'").get()) return { trials: [] };
    const trials = (
      db.prepare('SELECT body FROM trials WHERE experiment_name = ? ORDER BY id').all(name) as {
        body: string;
      }[]
    ).map((r) => JSON.parse(r.body) as Trial);
    const row = db.prepare('SELECT body FROM experiments WHERE name = ?').get(name) as
      | { body: string }
      | undefined;
    return { ...(row ? { experiment: JSON.parse(row.body) as Experiment } : {}), trials };
  } finally {
    db.close();
  }
}
