/** A start failure in words a user can act on, naming the program and what to check. */
export function describeSpawnError(err: unknown, program: string, path: string | undefined): string {
  const e = err as NodeJS.ErrnoException;
  const shown = JSON.stringify(program);
  switch (e.code) {
    case 'ENOENT':
      return program.includes('/')
        ? `command ${shown} not found (or the interpreter its #! line names is missing)`
        : `command ${shown} not found in PATH=${JSON.stringify(path ?? '')}`;
    case 'EACCES':
      return `command ${shown} is not executable (permission denied, or it is a directory)`;
    case 'ENOEXEC':
      return `command ${shown} is not in an executable format (a script needs a #! line)`;
    case 'E2BIG':
      return `command ${shown} could not start: its arguments and environment are too long`;
    default:
      return `command ${shown} could not start: ${e.message ?? String(err)}`;
  }
}
