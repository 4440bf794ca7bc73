import type { TrialExit } from '../trial-runner.js';
import type { Json } from './kube-api.js';
import type { ResourceState } from './resource-state.js';

/** How a trial's resource ended, as the runner saw it. */
export type ResourceEnd =
  | { how: 'state'; state: Extract<ResourceState, { phase: 'succeeded' | 'failed' }> }
  | { how: 'killed'; by: 'kill' | 'timeout' }
  | { how: 'deleted' };

interface Terminated {
  exitCode?: number;
  signal?: number;
  reason?: string;
  message?: string;
  finishedAt?: string;
}

/**
 * The TrialExit of a resource that ended: exit code 0 when its success condition held; for a
 * failure, the exit code of the primary container in the pod that ended last (what a local run
 * reports), `killedBy: 'timeout'` for Kubernetes' DeadlineExceeded (the Job's or the pod's
 * activeDeadlineSeconds), and in `detail` the condition's reason and message and the container's
 * reason (OOMKilled, Error). Pure.
 */
export function trialExitOf(
  end: ResourceEnd,
  pods: readonly Json[],
  primaryContainer: string | undefined,
  kind: string,
): TrialExit {
  if (end.how === 'killed') return { exitCode: null, signal: 'SIGTERM', killedBy: end.by };
  if (end.how === 'deleted') {
    return {
      exitCode: null,
      signal: null,
      detail: `the ${kind} was deleted by someone else before it finished`,
    };
  }
  const { state } = end;
  if (state.phase === 'succeeded') return { exitCode: 0, signal: null };
  const parts: string[] = [];
  if (state.reason || state.message) parts.push([state.reason, state.message].filter(Boolean).join(': '));
  const last = lastTermination(pods, primaryContainer);
  const exit: TrialExit = { exitCode: last?.terminated.exitCode ?? null, signal: null };
  if (last?.terminated.reason && last.terminated.reason !== 'Error')
    parts.push(
      `container ${JSON.stringify(last.container)} ${last.terminated.reason}${last.terminated.message ? `: ${last.terminated.message}` : ''}`,
    );
  const podDeadline = pods.some((p) => (p.status as Json | undefined)?.reason === 'DeadlineExceeded');
  if (state.reason === 'DeadlineExceeded' || podDeadline) {
    exit.killedBy = 'timeout';
    exit.exitCode = null;
    exit.signal = 'SIGKILL';
  }
  if (exit.exitCode === 0) exit.exitCode = null; // a failed resource never reads as a success
  if (parts.length > 0) exit.detail = parts.join('; ');
  return exit;
}

/** The primary container's latest termination among the pods (its current or previous state). */
function lastTermination(
  pods: readonly Json[],
  primaryContainer: string | undefined,
): { container: string; terminated: Terminated } | undefined {
  let best: { container: string; terminated: Terminated } | undefined;
  for (const pod of pods) {
    const statuses = ((pod.status as Json | undefined)?.containerStatuses ?? []) as Json[];
    const status =
      primaryContainer === undefined
        ? statuses.length === 1
          ? statuses[0]
          : undefined
        : statuses.find((s) => s.name === primaryContainer);
    if (!status) continue;
    for (const key of ['state', 'lastState'] as const) {
      const terminated = (status[key] as Json | undefined)?.terminated as Terminated | undefined;
      if (!terminated) continue;
      if (!best || (terminated.finishedAt ?? '') > (best.terminated.finishedAt ?? ''))
        best = { container: String(status.name), terminated };
    }
  }
  return best;
}
