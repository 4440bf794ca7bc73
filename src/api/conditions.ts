import type { Condition, ConditionStatus } from './experiment.js';

export interface ConditionChange<T extends string> {
  type: T;
  status?: ConditionStatus;
  reason: string;
  message: string;
}

/**
 * Sets `change.type` to True (or the given status) the way Katib's status helpers do: an existing
 * condition of that type is updated in place (its transition time moves only when its status
 * changes), a new one is appended, and every condition named in `supersedes` that is True becomes
 * False (e.g. Running turns False when Succeeded is set). Pure: returns a new list.
 */
export function setCondition<T extends string>(
  conditions: readonly Condition<T>[],
  change: ConditionChange<T>,
  now: string,
  supersedes: readonly T[] = [],
): Condition<T>[] {
  const status = change.status ?? 'True';
  const next = conditions.map((c) =>
    supersedes.includes(c.type) && c.type !== change.type && c.status === 'True'
      ? { ...c, status: 'False' as const, lastUpdateTime: now, lastTransitionTime: now }
      : c,
  );
  const index = next.findIndex((c) => c.type === change.type);
  const previous = index >= 0 ? next[index] : undefined;
  const updated: Condition<T> = {
    type: change.type,
    status,
    reason: change.reason,
    message: change.message,
    lastUpdateTime: now,
    lastTransitionTime: previous && previous.status === status ? previous.lastTransitionTime : now,
  };
  if (index >= 0) next[index] = updated;
  else next.push(updated);
  return next;
}

/** The newest condition whose status is True, which is what `kubectl get` shows as the state. */
export function currentCondition<T extends string>(
  conditions: readonly Condition<T>[],
): Condition<T> | undefined {
  let latest: Condition<T> | undefined;
  for (const c of conditions) {
    if (c.status !== 'True') continue;
    if (!latest || c.lastTransitionTime >= latest.lastTransitionTime) latest = c;
  }
  return latest;
}
