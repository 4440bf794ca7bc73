import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root: children run there so that `katib-ts/report` resolves to the build. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A node child that speaks one JSON object per stdout line. */
export interface JsonChild {
  readonly process: ChildProcess;
  /** The next JSON line; rejects if the child exits first (with its stderr). */
  next<T = Record<string, unknown>>(): Promise<T>;
  send(line: string): void;
  /** Closes stdin and waits for the exit; rejects on a non-zero code. */
  end(): Promise<void>;
  /** Closes stdin, reads the child's last JSON line, waits for a clean exit. */
  finish<T = Record<string, unknown>>(): Promise<T>;
}

export function startChild(script: string, args: string[], env: NodeJS.ProcessEnv = {}): JsonChild {
  const child = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const api: JsonChild = {
    process: child,
    async next<T>() {
      const line = await lines.next();
      if (line.done) {
        const [code] = await exited;
        throw new Error(`${script} exited (${code}) before answering: ${stderr.trim()}`);
      }
      return JSON.parse(line.value) as T;
    },
    send(line: string) {
      child.stdin?.write(`${line}\n`);
    },
    async end() {
      child.stdin?.end();
      const [code, signal] = await exited;
      if (code !== 0) throw new Error(`${script} exited with ${code ?? signal}: ${stderr.trim()}`);
    },
    async finish<T>() {
      child.stdin?.end();
      const last = await api.next<T>();
      await api.end();
      return last;
    },
  };
  return api;
}

/** Runs a child to completion and returns its last JSON line. */
export async function runChild<T>(script: string, args: string[]): Promise<T> {
  const child = startChild(script, args);
  const result = await child.next<T>();
  await child.end();
  return result;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}
