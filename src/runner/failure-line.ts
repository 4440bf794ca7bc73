/**
 * The line of a failed trial's output that says why it failed, for its Failed message (the whole
 * output stays in the trial's stdout.log and stderr.log). In order of preference, the last of:
 *
 * 1. `katib-ts: the objective failed: ...`, the line a tune() objective's trial prints last (the
 *    objective's own error, after its stack frames);
 * 2. an exception line: a line, not indented, that starts with a name ending in Error, Exception
 *    or Exit, followed by `:` or a Node error code in brackets: Python's last traceback line
 *    (`ModuleNotFoundError: No module named 'torch'`), Node's uncaught error (`Error
 *    [ERR_MODULE_NOT_FOUND]: Cannot find package 'x' imported from ...`, `TypeError: ...`);
 * 3. a line starting `panic:`, `fatal:`, `error:` or `Error:` in any case (Go, git, most CLIs).
 *
 * Without any of them, the last three lines joined by ` | ` (their end kept when too long). At most
 * `MAX_CHARS` long.
 */
const OBJECTIVE_FAILED = /^katib-ts: (the objective failed: .*)$/;
const EXCEPTION =
  /^(?:[A-Za-z_][\w.]*\.)?(?:(?:[A-Z]\w*)?(?:Error|Exception)|[A-Z]\w*(?:Exit|Interrupt))(?: \[[A-Z0-9_]+\])?(?::.*)?$/;
const TOOL_ERROR = /^(?:panic|fatal|error)(?: \[[\w-]+\])?: \S.*$/i;
const MAX_CHARS = 300;

export function failureLine(tail: string): string {
  const lines = tail.trimEnd().split('\n');
  const pick =
    lastMatch(lines, OBJECTIVE_FAILED, 1) ??
    lastMatch(lines, EXCEPTION, 0) ??
    lastMatch(lines, TOOL_ERROR, 0);
  if (pick !== undefined) return pick.length > MAX_CHARS ? `${pick.slice(0, MAX_CHARS - 3)}...` : pick;
  const last = lines.slice(-3).join(' | ');
  return last.length > MAX_CHARS ? `...${last.slice(-(MAX_CHARS - 3))}` : last;
}

function lastMatch(lines: readonly string[], pattern: RegExp, group: number): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trimEnd();
    const m = pattern.exec(line);
    if (m) return m[group]!;
  }
  return undefined;
}
