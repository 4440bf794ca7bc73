import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const SCRIPT = fileURLToPath(new URL('./python_clients.py', import.meta.url));

/** Runs test/cases/python_clients.py with python3 and returns its JSON result. */
export async function runPythonClient(
  client: 'katib_push' | 'inject',
  mode: 'values' | 'names' | 'retry',
  url = '',
): Promise<unknown[]> {
  const { stdout } = await promisify(execFile)('python3', [SCRIPT, client, mode, url], {
    maxBuffer: 16 * 1024 * 1024,
    env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1' },
  });
  return JSON.parse(stdout) as unknown[];
}
