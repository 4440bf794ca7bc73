/// <reference lib="dom" />
import type { ExperimentDetail, ExperimentEvents } from '../../wire.js';
import { getJson, liveStream, send } from '../api.js';
import { Chart } from '../charts/chart.js';
import { objectiveOption } from '../charts/objective-chart.js';
import { parallelOption } from '../charts/parallel-chart.js';
import { conditionsTable } from '../conditions-table.js';
import { badge, card, h, replaceChildren } from '../dom.js';
import { formatAge, formatDuration, formatMetric, formatNumber, formatTime } from '../format.js';
import { errorText, type Page, type PageContext } from '../page.js';
import { TrialsTable } from '../trials-table.js';

// Charts redraw at most this often while trials stream in (a table row is cheaper than a chart).
const CHART_REDRAW_MS = 400;

/**
 * One experiment: state and conditions, best trial, objective over time with the best so far,
 * parallel coordinates, the trials table and the spec; everything follows the live stream.
 */
export function experimentPage(main: HTMLElement, name: string, context: PageContext): Page {
  document.title = `${name} · Katib`;
  const encoded = encodeURIComponent(name);
  const head = h('div', { class: 'page-head' });
  const notice = h('div', { class: 'notice', hidden: true });
  const best = h('div');
  const conditions = h('div', { class: 'table-scroll' });
  const objectiveEl = h('div', { class: 'chart', id: 'objective-chart' });
  const parallelEl = h('div', { class: 'chart tall', id: 'parallel-chart' });
  const tableSlot = h('div');
  const yaml = h('pre', { class: 'yaml' });
  replaceChildren(main, h('p', { class: 'muted' }, 'Loading…'));
  let detail: ExperimentDetail | undefined;
  let table: TrialsTable | undefined;
  let objectiveChart: Chart | undefined;
  let parallelChart: Chart | undefined;
  let redraw: ReturnType<typeof setTimeout> | undefined;

  const layout = (d: ExperimentDetail): void => {
    table = new TrialsTable(d.parameters, d.metricNames, d.summary.objective);
    replaceChildren(tableSlot, table.el);
    yaml.textContent = d.specYaml;
    replaceChildren(
      main,
      head,
      notice,
      h('div', { class: 'grid two' }, card('Best trial', [best]), card('Conditions', [conditions])),
      card('Objective over time', [objectiveEl]),
      card('Parameters → objective', [parallelEl], { class: 'card' }),
      card('Trials', [tableSlot]),
      h('details', { class: 'card spec' }, h('summary', {}, 'Spec (YAML)'), yaml),
    );
    objectiveChart = new Chart(objectiveEl);
    parallelChart = new Chart(parallelEl);
    const open = (p: unknown): void => {
      const data = (p as { data?: unknown[] }).data;
      if (Array.isArray(data) && typeof data[2] === 'string')
        context.navigate(`trials/${encodeURIComponent(data[2])}`);
    };
    objectiveChart.on('click', open);
  };

  const drawCharts = (): void => {
    redraw = undefined;
    if (!detail || !table || !objectiveChart || !parallelChart) return;
    const trials = table.all();
    const o = objectiveOption(trials, detail.summary.objective);
    objectiveChart.set(o.option, o.points);
    const p = parallelOption(trials, detail.parameters, detail.summary.objective);
    parallelChart.set(p.option, p.points);
  };
  const scheduleCharts = (): void => {
    redraw ??= setTimeout(drawCharts, CHART_REDRAW_MS);
  };

  const drawHead = (d: ExperimentDetail): void => {
    const s = d.summary;
    const finished = s.state === 'Succeeded' || s.state === 'Failed';
    const actions = h('div', { class: 'actions' });
    if (context.config.actions.includes('stop') && !finished) {
      actions.append(h('button', { class: 'button', onclick: () => act('stop') }, 'Stop'));
    }
    if (context.config.actions.includes('delete')) {
      actions.append(h('button', { class: 'button danger', onclick: () => act('delete') }, 'Delete'));
    }
    const ended = s.succeeded + s.failed + s.earlyStopped + s.killed;
    replaceChildren(
      head,
      h('nav', { class: 'crumbs' }, h('a', { href: './' }, 'Experiments'), ' / '),
      h('div', { class: 'title-row' }, h('h1', {}, s.name), badge(s.state, s.message), actions),
      h(
        'p',
        { class: 'meta' },
        h('span', {}, `${s.algorithm}`),
        h(
          'span',
          {},
          `${s.objective.type} ${s.objective.metric}${s.objective.goal !== undefined ? ` to ${s.objective.goal}` : ''}`,
        ),
        h(
          'span',
          {},
          `${ended}${s.maxTrialCount !== undefined ? ` / ${s.maxTrialCount}` : ''} trials done, ${s.running} running, ${s.failed} failed`,
        ),
        h('span', {}, `parallel ${s.parallelTrialCount}`),
        s.created ? h('span', { title: formatTime(s.created) }, `created ${formatAge(s.created)}`) : null,
        s.created
          ? h('span', {}, `${finished ? 'took' : 'running for'} ${formatDuration(s.created, s.completed)}`)
          : null,
      ),
      s.message ? h('p', { class: 'muted reason' }, `${s.reason}: ${s.message}`) : null,
    );
  };

  const drawBest = (d: ExperimentDetail): void => {
    const o = d.optimal;
    if (!o) {
      replaceChildren(best, h('p', { class: 'muted' }, 'No trial has an objective value yet.'));
      return;
    }
    replaceChildren(
      best,
      h(
        'p',
        { class: 'best-line' },
        h('a', { href: `trials/${encodeURIComponent(o.bestTrialName)}` }, o.bestTrialName),
        h(
          'span',
          { class: 'best-value' },
          `${d.summary.objective.metric} = ${formatNumber(d.summary.bestValue)}`,
        ),
      ),
      h(
        'table',
        { class: 'kv' },
        h(
          'tbody',
          {},
          o.parameterAssignments.map((a) =>
            h('tr', {}, h('th', {}, a.name), h('td', {}, formatMetric(a.value))),
          ),
        ),
      ),
      h(
        'table',
        { class: 'data compact' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'metric'),
            h('th', { class: 'num' }, 'min'),
            h('th', { class: 'num' }, 'max'),
            h('th', { class: 'num' }, 'latest'),
          ),
        ),
        h(
          'tbody',
          {},
          o.observation.metrics.map((m) =>
            h(
              'tr',
              {},
              h('td', {}, m.name),
              h('td', { class: 'num' }, formatMetric(m.min)),
              h('td', { class: 'num' }, formatMetric(m.max)),
              h('td', { class: 'num' }, formatMetric(m.latest)),
            ),
          ),
        ),
      ),
    );
  };

  const drawConditions = (d: ExperimentDetail): void => {
    replaceChildren(conditions, conditionsTable(d.conditions));
  };

  const act = async (what: 'stop' | 'delete'): Promise<void> => {
    if (
      !window.confirm(
        `${what === 'stop' ? 'Stop' : 'Delete'} experiment ${name}?${what === 'delete' ? ' Its trials and metrics go too.' : ''}`,
      )
    )
      return;
    try {
      if (what === 'stop') await send('POST', `experiments/${encoded}/stop`);
      else {
        await send('DELETE', `experiments/${encoded}`);
        context.navigate('');
      }
    } catch (err) {
      showNotice(`Cannot ${what}: ${errorText(err)}`);
    }
  };
  const showNotice = (text: string): void => {
    notice.hidden = false;
    notice.textContent = text;
  };

  const stream = liveStream<ExperimentEvents>(
    `experiments/${encoded}/events`,
    {
      experiment: (e) => {
        if (!detail) return;
        detail = {
          ...detail,
          summary: e.summary,
          conditions: e.conditions,
          ...(e.optimal ? { optimal: e.optimal } : {}),
        };
        drawHead(detail);
        drawBest(detail);
        drawConditions(detail);
      },
      trials: (changed) => {
        table?.update(changed);
        scheduleCharts();
      },
      current: (points) => {
        for (const { trial, point } of points) table?.setCurrent(trial, point);
        scheduleCharts();
      },
      removed: () => {
        showNotice('This experiment has been deleted.');
        stream.close();
        context.setLive('closed');
      },
    },
    async () => {
      const d = await getJson<ExperimentDetail>(`experiments/${encoded}`);
      const first = !detail;
      detail = d;
      if (first) layout(d);
      drawHead(d);
      drawBest(d);
      drawConditions(d);
      table?.setAll(d.trials);
      drawCharts();
      if (first) context.rendered('experiment');
    },
    (state, err) => {
      context.setLive(state, err);
      if (err && !detail)
        replaceChildren(
          main,
          h('p', { class: 'error' }, `Cannot load experiment ${name}: ${errorText(err)}`),
        );
    },
  );
  const ages = setInterval(() => detail && drawHead(detail), 30_000);
  return {
    dispose() {
      clearInterval(ages);
      clearTimeout(redraw);
      stream.close();
      objectiveChart?.dispose();
      parallelChart?.dispose();
    },
  };
}
