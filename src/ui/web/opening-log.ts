import type { TrialLogsReply } from '../wire.js';

/**
 * The log a trial's page opens on, until the user picks one: stdout.log, unless it is empty (or
 * missing) while stderr.log has content, as when a trial fails before printing anything (a
 * Python traceback, Node's ERR_MODULE_NOT_FOUND): then stderr.log, where the error is.
 */
export function openingLog(reply: Pick<TrialLogsReply, 'stdout' | 'stderr'>): 'stdout' | 'stderr' {
  const hasContent = (tail: TrialLogsReply['stdout']) => tail.text !== null && tail.size > 0;
  return !hasContent(reply.stdout) && hasContent(reply.stderr) ? 'stderr' : 'stdout';
}
