import { open } from 'node:fs/promises';
import path from 'node:path';

/** What a trial printed, as ExperimentManager.trialLogs returns it. */
export interface TrialLogs {
  stdout: string;
  stderr: string;
}

/** The end of each log stream returned by trialLogs, so a reply fits a gRPC message. */
export const TRIAL_LOG_TAIL_BYTES = 1024 * 1024;

/** The last TRIAL_LOG_TAIL_BYTES of the trial folder's stdout.log and stderr.log ('' when missing). */
export async function readTrialLogs(trialDir: string): Promise<TrialLogs> {
  const [stdout, stderr] = await Promise.all([
    tail(path.join(trialDir, 'stdout.log')),
    tail(path.join(trialDir, 'stderr.log')),
  ]);
  return { stdout, stderr };
}

async function tail(file: string): Promise<string> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(file, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await fh.stat();
    const length = Math.min(size, TRIAL_LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await fh.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await fh.close();
  }
}
