import { fileURLToPath } from 'node:url';

/**
 * The folder holding `katib_push.py`, the standard-library Python push helper shipped with the
 * package (python/ at the package root, beside src/ and dist/). Local trials get it on PYTHONPATH
 * so `import katib_push` works with no install.
 */
export function pythonHelperDir(): string {
  return fileURLToPath(new URL('../../python', import.meta.url));
}

/** PYTHONPATH with the helper folder first, keeping whatever the trial's own env set. */
export function withPythonHelper(pythonPath: string | undefined): string {
  return pythonPath ? `${pythonHelperDir()}:${pythonPath}` : pythonHelperDir();
}
