/**
 * The resume rule, for a controller that starts on an experiment whose previous controller died
 * (kill -9, power loss) or was interrupted (Ctrl-C):
 *
 * - A trial left Created never started: it is started as usual.
 * - A trial left Running was cut off mid-run. Its processes, if still alive, are killed: every
 *   process whose environment (/proc/PID/environ) carries the trial's KATIB_TRIAL_NAME, with its
 *   process group. Found by name rather than by the stored pid, which the runner knows only once
 *   the process has spawned (after the Running write), and which may have been reused; its partial observation
 *   log is deleted (so a rerun's metrics never mix with a dead run's), and it is set back to
 *   Created with its attempt count raised: the same trial, same name and assignments, runs again
 *   from the start. After MAX_ATTEMPTS interrupted runs it is marked Failed instead, so a trial
 *   that brings its controller down cannot loop forever.
 * - Ended trials are immutable and untouched, so final counts stay exact and no trial that ended
 *   is ever run twice.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { currentCondition, setCondition } from '../api/conditions.js';
import type { Trial } from '../api/trial.js';
import type { ExperimentStore } from '../store/experiment-store.js';
import type { ObservationStore } from '../store/observation-store.js';
import { TRIAL_PHASES } from './experiment-status.js';

export const MAX_ATTEMPTS = 3;

export interface ResumeDeps {
  experiments: ExperimentStore;
  observations: ObservationStore;
  now: () => string;
}

/** Applies the rule to `trials` in place (and in the store); returns how many were restarted. */
export async function resumeLeftovers(trials: Trial[], deps: ResumeDeps): Promise<number> {
  let restarted = 0;
  const cutOff = trials.filter((t) => currentCondition(t.conditions)?.type === 'Running');
  if (cutOff.length > 0) killLeftovers(new Set(cutOff.map((t) => t.name)));
  for (let i = 0; i < trials.length; i++) {
    const trial = trials[i]!;
    if (currentCondition(trial.conditions)?.type !== 'Running') continue;
    await deps.observations.delete(trial.name);
    const attempt = trial.runtime?.attempt ?? 1;
    const now = deps.now();
    let next: Trial;
    if (attempt >= MAX_ATTEMPTS) {
      next = {
        ...trial,
        completionTime: now,
        conditions: setCondition(
          trial.conditions,
          {
            type: 'Failed',
            reason: 'TrialRestartLimit',
            message: `Trial was interrupted ${attempt} times; not restarted again`,
          },
          now,
          TRIAL_PHASES,
        ),
      };
    } else {
      const { startTime: _dropped, runtime: _runtime, ...rest } = trial;
      next = {
        ...rest,
        runtime: { attempt: attempt + 1 },
        conditions: setCondition(
          trial.conditions,
          {
            type: 'Created',
            reason: 'TrialRestarted',
            message: `Trial was interrupted by a controller restart; attempt ${attempt + 1}`,
          },
          now,
          TRIAL_PHASES,
        ),
      };
      restarted++;
    }
    await deps.experiments.updateTrial(next);
    trials[i] = next;
  }
  return restarted;
}

/**
 * SIGKILLs every live process whose environment names one of `trialNames` (KATIB_TRIAL_NAME, which
 * the controller gives each trial and its children inherit), with its process group: the trial's
 * own group, or the one a child made for itself. Never this process or its group. Without /proc
 * (not Linux) nothing can be identified safely, and nothing is killed.
 */
const TRIAL_VARIABLE = 'KATIB_TRIAL_NAME=';

function killLeftovers(trialNames: ReadonlySet<string>): void {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return;
  }
  const ownGroup = processGroupOf(process.pid);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue; // gone, or not ours to read
    }
    if (!environ.includes(TRIAL_VARIABLE)) continue;
    const variable = environ.split('\0').find((v) => v.startsWith(TRIAL_VARIABLE));
    if (variable === undefined || !trialNames.has(variable.slice(TRIAL_VARIABLE.length))) continue;
    const pid = Number(entry);
    const group = processGroupOf(pid);
    try {
      if (group !== undefined && group !== ownGroup) process.kill(-group, 'SIGKILL');
      else process.kill(pid, 'SIGKILL');
    } catch {
      // raced with its exit
    }
  }
}

/** The process group of `pid` from /proc/PID/stat, undefined when unreadable. */
function processGroupOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // After "pid (comm) ": state, ppid, pgrp.
    const group = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    return Number.isInteger(group) && group > 0 ? group : undefined;
  } catch {
    return undefined;
  }
}
