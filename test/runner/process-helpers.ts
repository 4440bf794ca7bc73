import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/trials/', import.meta.url));

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

/** argv running a Node fixture with the current node binary. */
export function nodeFixture(name: string, ...args: string[]): string[] {
  return [process.execPath, fixture(name), ...args];
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `katib-${prefix}-`));
}

/**
 * Whether `pid` is a live process. process.kill(pid, 0) alone is not enough here: this machine's
 * PID 1 does not reap orphans, so a killed grandchild lingers as a zombie that kill(0) still
 * finds; a zombie has ended, so /proc's state Z counts as gone.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return process.platform !== 'linux';
  }
}
