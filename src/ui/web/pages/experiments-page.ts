/// <reference lib="dom" />
import type { ExperimentSummary, ListEvents } from '../../wire.js';
import { getJson, liveStream } from '../api.js';
import { badge, h, replaceChildren } from '../dom.js';
import { formatAge, formatNumber, formatTime } from '../format.js';
import { errorText, type Page, type PageContext } from '../page.js';

/** Every experiment: state, algorithm, trial counts, best value, age; rows change live. */
export function experimentsPage(main: HTMLElement, _name: string, context: PageContext): Page {
  document.title = 'Experiments · Katib';
  const rows = new Map<string, ExperimentSummary>();
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'data experiments-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Experiment'),
        h('th', {}, 'Status'),
        h('th', {}, 'Algorithm'),
        h('th', {}, 'Objective'),
        h('th', { class: 'num' }, 'Trials'),
        h('th', { class: 'num' }, 'Best'),
        h('th', {}, 'Age'),
      ),
    ),
    body,
  );
  const status = h('p', { class: 'muted' }, 'Loading…');
  replaceChildren(
    main,
    h('div', { class: 'page-head' }, h('h1', {}, 'Experiments')),
    status,
    h('div', { class: 'card flush' }, table),
  );

  const render = (): void => {
    const list = [...rows.values()].sort(
      (a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.name.localeCompare(b.name),
    );
    status.hidden = list.length > 0;
    if (list.length === 0)
      status.textContent = 'No experiments yet. Start one with: katib run experiment.yaml --ui';
    replaceChildren(body, list.map(row));
  };
  const ages = setInterval(render, 30_000);
  const stream = liveStream<ListEvents>(
    'events',
    {
      experiments: (changed) => {
        for (const e of changed) rows.set(e.name, e);
        render();
      },
      removed: (names) => {
        for (const n of names) rows.delete(n);
        render();
      },
    },
    async () => {
      const list = await getJson<ExperimentSummary[]>('experiments');
      rows.clear();
      for (const e of list) rows.set(e.name, e);
      render();
      context.rendered('experiments');
    },
    (state, err) => {
      context.setLive(state, err);
      if (err) status.textContent = `Cannot load experiments: ${errorText(err)}`;
    },
  );
  return {
    dispose() {
      clearInterval(ages);
      stream.close();
    },
  };
}

function row(e: ExperimentSummary): HTMLTableRowElement {
  const done = e.succeeded + e.failed + e.earlyStopped + e.killed;
  const trials = h(
    'span',
    { class: 'counts' },
    h(
      'span',
      { title: 'ended' },
      `${done}${e.maxTrialCount !== undefined ? ` / ${e.maxTrialCount}` : ''} done`,
    ),
    e.running > 0 ? h('span', { class: 'count-running' }, ` · ${e.running} running`) : null,
    e.failed > 0 ? h('span', { class: 'count-failed' }, ` · ${e.failed} failed`) : null,
  );
  return h(
    'tr',
    { 'data-experiment': e.name },
    h('td', {}, h('a', { href: `experiments/${encodeURIComponent(e.name)}` }, e.name)),
    h('td', {}, badge(e.state, e.message)),
    h('td', {}, e.algorithm),
    h('td', {}, `${e.objective.type} ${e.objective.metric}`),
    h('td', { class: 'num' }, trials),
    h(
      'td',
      { class: 'num' },
      e.bestTrial
        ? h(
            'a',
            { href: `trials/${encodeURIComponent(e.bestTrial)}`, title: e.bestTrial },
            formatNumber(e.bestValue),
          )
        : '',
    ),
    h('td', { title: formatTime(e.created) }, formatAge(e.created)),
  );
}
