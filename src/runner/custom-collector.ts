/**
 * Katib's Custom collector run locally: the `customCollector` container's command as a process
 * beside the trial (the controller turns the container into a command, see
 * controller/custom-collector-command.ts). Its output goes to `collector.log` in the trial's folder.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type CollectorStats, emptyCollectorStats, type TrialCollector } from '../collector/index.js';
import { trialEnv } from './clean-env.js';
import { signalGroup, waitGroupGone } from './process-group.js';

export interface CustomCollectorOptions {
  /** argv: the container's command and args. */
  command: string[];
  /** Its variables, over the few a trial inherits (clean-env.ts). */
  env: Record<string, string>;
  /** Where it runs. */
  workingDir: string;
  /** The trial's folder: the collector's output goes to `collector.log` there. */
  logDir: string;
  /** How long the collector may go on after the trial ended, to flush, before SIGTERM. Default 5000 ms. */
  graceMs?: number;
  /** After SIGTERM, how long before SIGKILL. Default 2000 ms. */
  killAfterMs?: number;
}

/**
 * Starts the collector process; `finish()` (after the trial ended) waits up to `graceMs` for it
 * to exit by itself, then ends its process group with SIGTERM (and SIGKILL). A collector that
 * could not start, or exited non-zero by itself (before or after the trial ended), makes
 * finish() reject with a message naming the command, its exit and the log: the trial then ends
 * Failed (MetricsCollectionFailed). Ending on katib-ts's SIGTERM is a normal end.
 */
export function startCustomCollector(o: CustomCollectorOptions): TrialCollector {
  const env = trialEnv(process.env, o.env);
  const cwd = o.workingDir;
  const local = { command: o.command };
  const logPath = path.join(o.logDir, 'collector.log');
  // The runner makes the trial's folder as it starts the trial, which may not have happened yet.
  mkdirSync(o.logDir, { recursive: true });
  const log = createWriteStream(logPath, { flags: 'a' });
  const [file, ...args] = local.command;
  const what = `custom collector ${JSON.stringify(local.command.join(' '))}`;
  let startError: string | undefined;
  let stopping = false;
  const child = spawn(file!, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (err) => {
      startError = err.message;
      resolve({ code: null, signal: null });
    });
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((e) => {
    exit = e;
  });
  const stats = (): CollectorStats => emptyCollectorStats('Custom');
  return {
    stats,
    unsent: () => [],
    async finish() {
      const graceMs = o.graceMs ?? 5000;
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), graceMs);
        }),
      ]);
      clearTimeout(timer);
      const pgid = child.pid;
      if (!inTime && pgid !== undefined) {
        stopping = true;
        signalGroup(pgid, 'SIGTERM');
        if (!(await waitGroupGone(pgid, o.killAfterMs ?? 2000))) signalGroup(pgid, 'SIGKILL');
      } else if (pgid !== undefined) {
        // The collector ended; anything it left running in its group goes too.
        signalGroup(pgid, 'SIGKILL');
      }
      const e = exit ?? (await exited);
      await new Promise<void>((resolve) => log.end(resolve));
      if (startError !== undefined) throw new Error(`${what} could not start: ${startError}`);
      const byUs = stopping && (e.signal === 'SIGTERM' || e.signal === 'SIGKILL' || e.code === 143);
      if (!byUs && e.code !== 0) {
        const how = e.signal ? `was ended by ${e.signal}` : `exited with code ${e.code}`;
        throw new Error(`${what} ${how} (its output: ${logPath})`);
      }
      return stats();
    },
  };
}
