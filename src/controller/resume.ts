/**
 * The resume rule, for a controller that starts on an experiment whose previous controller died
 * (kill -9, power loss) or was interrupted (Ctrl-C):
 *
 * - A trial left Created never started: it is started as usual.
 * - A trial left Running was cut off mid-run. Its process, if still alive, is killed (only when
 *   /proc shows it is that trial's process: a reused pid is left alone), its partial observation
 *   log is deleted (so a rerun's metrics never mix with a dead run's), and it is set back to
 *   Created with its attempt count raised: the same trial, same name and assignments, runs again
 *   from the start. After MAX_ATTEMPTS interrupted runs it is marked Failed instead, so a trial
 *   that brings its controller down cannot loop forever.
 * - Ended trials are immutable and untouched, so final counts stay exact and no trial that ended
 *   is ever run twice.
 */
import { readFileSync } from 'node:fs';
import { currentCondition, setCondition } from '../api/conditions.js';
import { TRIAL_CONDITION_TYPES, type Trial } from '../api/trial.js';
import type { ExperimentStore } from '../store/experiment-store.js';
import type { ObservationStore } from '../store/observation-store.js';

export const MAX_ATTEMPTS = 3;

export interface ResumeDeps {
  experiments: ExperimentStore;
  observations: ObservationStore;
  now: () => string;
}

/** Applies the rule to `trials` in place (and in the store); returns how many were restarted. */
export async function resumeLeftovers(trials: Trial[], deps: ResumeDeps): Promise<number> {
  let restarted = 0;
  for (let i = 0; i < trials.length; i++) {
    const trial = trials[i]!;
    if (currentCondition(trial.conditions)?.type !== 'Running') continue;
    const pid = trial.runtime?.pid;
    if (pid !== undefined) killIfOurs(pid, trial.name);
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
          TRIAL_CONDITION_TYPES,
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
          TRIAL_CONDITION_TYPES,
        ),
      };
      restarted++;
    }
    await deps.experiments.updateTrial(next);
    trials[i] = next;
  }
  return restarted;
}

/** SIGKILLs the process group `pid` if /proc says its leader is this trial's process. */
function killIfOurs(pid: number, trialName: string): void {
  let environ: string;
  try {
    environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return; // gone already (or no /proc: nothing we can safely identify)
  }
  if (!environ.split('\0').includes(`KATIB_TRIAL_NAME=${trialName}`)) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // raced with its exit
  }
}
