/**
 * Whether a program that injection cannot rewrite (a shell script file, `torchrun`, a binary)
 * starts Python or Node, whose prints the runtime shims then push. Such a program gets the shims
 * and no pull collection; any other gets pull collection and no shims: never both, or the metrics
 * a shimmed child prints would be captured twice (pushed, and read from the output).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';

/** Interpreters the shims reach, named in a script's text (its hashbang or a command it runs). */
const RUNS_PYTHON_OR_NODE = /\b(?:python[\d.]*|pypy[\d.]*|node|nodejs|tsx|ts-node)\b/;
const SHELL = /^(sh|bash|zsh|dash|ash|ksh)$/;
/** Bytes read of a script: hashbangs and launch lines come early. */
const HEAD_BYTES = 64 * 1024;

/**
 * The file `argv` runs as a script, when it is one: `./run.sh` (the program itself), or
 * `bash run.sh` (the shell's first operand). `PATH` finds a bare program name.
 */
export function launcherScript(
  argv: readonly string[],
  workingDir: string,
  PATH: string | undefined,
): string | undefined {
  const program = argv[0];
  if (!program) return undefined;
  if (SHELL.test(path.basename(program))) {
    const operand = argv.slice(1).find((a) => !a.startsWith('-'));
    return operand === undefined ? undefined : path.resolve(workingDir, operand);
  }
  if (program.includes('/')) return path.resolve(workingDir, program);
  for (const dir of (PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, program);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** True when `file` is a text script that names a Python or Node interpreter; false for binaries and unreadable files. */
export function startsPythonOrNode(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, head, 0, HEAD_BYTES, 0);
    const bytes = head.subarray(0, n);
    if (bytes.subarray(0, 1024).includes(0)) return false; // a binary
    return RUNS_PYTHON_OR_NODE.test(bytes.toString('utf8'));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
