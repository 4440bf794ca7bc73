import type { Condition } from '../../api/experiment.js';
import { h } from './dom.js';
import { formatAge, formatTime } from './format.js';

/**
 * An experiment's or a trial's conditions as a table: a condition that is no longer True is
 * muted; times show their age, with the exact time on hover. `updated` adds the last-update
 * column (the trial page shows it; an experiment's updates are every reconcile, too noisy).
 */
export function conditionsTable(
  conditions: readonly Condition[],
  options: { updated?: boolean } = {},
): HTMLElement {
  const when = (time: string) => h('td', { title: formatTime(time) }, formatAge(time));
  return h(
    'table',
    { class: 'data compact' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Type'),
        h('th', {}, 'Status'),
        h('th', {}, 'Reason'),
        h('th', {}, 'Message'),
        h('th', {}, 'Changed'),
        options.updated ? h('th', {}, 'Updated') : null,
      ),
    ),
    h(
      'tbody',
      {},
      conditions.map((c) =>
        h(
          'tr',
          { class: c.status === 'True' ? '' : 'muted' },
          h('td', {}, c.type),
          h('td', {}, c.status),
          h('td', {}, c.reason),
          h('td', {}, c.message),
          when(c.lastTransitionTime),
          options.updated ? when(c.lastUpdateTime) : null,
        ),
      ),
    ),
  );
}
