/// <reference lib="dom" />
import { currentCondition } from '../../../api/conditions.js';
import type { Trial } from '../../../api/trial.js';
import type { MetricSeries, TrialDetail, TrialEvents, TrialLogsReply } from '../../wire.js';
import { getJson, liveStream } from '../api.js';
import { Chart, palette } from '../charts/chart.js';
import { type MetricAxis, metricOption } from '../charts/metric-chart.js';
import { conditionsTable } from '../conditions-table.js';
import { badge, card, h, replaceChildren } from '../dom.js';
import { formatDuration, formatMetric, formatNumber, formatTime } from '../format.js';
import { openingLog } from '../opening-log.js';
import { errorText, type Page, type PageContext } from '../page.js';

const CHART_REDRAW_MS = 300;
const LOG_REFRESH_MS = 2000;
const SERIES_COLORS = [
  '#2563eb',
  '#16a34a',
  '#d97706',
  '#9333ea',
  '#0891b2',
  '#dc2626',
  '#4f46e5',
  '#65a30d',
];

/** One trial: metric curves, every metric, condition history and the tail of its logs, live. */
export function trialPage(main: HTMLElement, name: string, context: PageContext): Page {
  document.title = `${name} · Katib`;
  const encoded = encodeURIComponent(name);
  const head = h('div', { class: 'page-head' });
  const params = h('div');
  const metrics = h('div', { class: 'table-scroll' });
  const details = h('div');
  const curves = h('div', { class: 'grid charts' });
  const conditions = h('div', { class: 'table-scroll' });
  const logs = h('div', { class: 'logs' });
  let axis: MetricAxis = 'step';
  const axisToggle = h(
    'select',
    {
      'aria-label': 'x axis',
      onchange: (e: Event) => {
        axis = (e.target as HTMLSelectElement).value as MetricAxis;
        drawCurves();
      },
    },
    h('option', { value: 'step' }, 'x: report #'),
    h('option', { value: 'time' }, 'x: time'),
  );
  replaceChildren(main, h('p', { class: 'muted' }, 'Loading…'));
  let detail: TrialDetail | undefined;
  const charts = new Map<string, Chart>();
  let redraw: ReturnType<typeof setTimeout> | undefined;
  let logTimer: ReturnType<typeof setTimeout> | undefined;
  // Undefined until the user picks a tab: then the page opens on the log with content (openingLog).
  let logStream: 'stdout' | 'stderr' | undefined;
  let lastLogs: TrialLogsReply | undefined;
  let disposed = false;

  const layout = (): void => {
    replaceChildren(
      main,
      head,
      h(
        'div',
        { class: 'grid three' },
        card('Parameters', [params]),
        card('Metrics', [metrics]),
        card('Details', [details]),
      ),
      card(h('span', { class: 'card-title-row' }, 'Metric curves', axisToggle), [curves]),
      card('Condition history', [conditions]),
      card('Logs', [logs]),
    );
  };

  const running = (): boolean => {
    const state = detail ? currentState(detail.trial) : 'Created';
    return state === 'Running' || state === 'Created';
  };

  const drawHead = (d: TrialDetail): void => {
    const t = d.trial;
    const current = currentCondition(t.conditions);
    replaceChildren(
      head,
      h(
        'nav',
        { class: 'crumbs' },
        h('a', { href: './' }, 'Experiments'),
        ' / ',
        h('a', { href: `experiments/${encodeURIComponent(t.experimentName)}` }, t.experimentName),
        ' / ',
      ),
      h('div', { class: 'title-row' }, h('h1', {}, t.name), badge(currentState(t), current?.message)),
      current ? h('p', { class: 'muted reason' }, `${current.reason}: ${current.message}`) : null,
    );
    replaceChildren(
      params,
      h(
        'table',
        { class: 'kv' },
        h(
          'tbody',
          {},
          t.parameterAssignments.map((a) =>
            h('tr', {}, h('th', {}, a.name), h('td', {}, formatMetric(a.value))),
          ),
        ),
      ),
    );
    replaceChildren(
      details,
      h(
        'table',
        { class: 'kv' },
        h(
          'tbody',
          {},
          row('Created', formatTime(t.conditions.find((c) => c.type === 'Created')?.lastTransitionTime)),
          row('Started', formatTime(t.startTime)),
          row('Completed', formatTime(t.completionTime)),
          row('Duration', t.startTime ? formatDuration(t.startTime, t.completionTime) : ''),
          t.runtime
            ? row(
                'Process',
                `${t.runtime.pid !== undefined ? `pid ${t.runtime.pid}, ` : ''}attempt ${t.runtime.attempt}`,
              )
            : null,
          ...Object.entries(t.labels).map(([k, v]) => row(k, v)),
        ),
      ),
    );
    replaceChildren(conditions, conditionsTable(t.conditions, { updated: true }));
  };

  const metricNames = (d: TrialDetail): string[] => [
    ...new Set([...d.experiment.metricNames, ...Object.keys(d.series)]),
  ];

  const drawMetrics = (d: TrialDetail): void => {
    const observed = new Map((d.trial.observation?.metrics ?? []).map((m) => [m.name, m]));
    replaceChildren(
      metrics,
      h(
        'table',
        { class: 'data compact metrics-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'metric'),
            h('th', { class: 'num' }, 'reports'),
            h('th', { class: 'num' }, 'min'),
            h('th', { class: 'num' }, 'max'),
            h('th', { class: 'num' }, 'latest'),
          ),
        ),
        h(
          'tbody',
          {},
          metricNames(d).map((m) => {
            const s = d.series[m] ?? { t: [], v: [] };
            const stats = seriesStats(s);
            const o = observed.get(m);
            return h(
              'tr',
              { 'data-metric': m },
              h('td', {}, m === d.experiment.objective.metric ? h('b', {}, m) : m),
              h('td', { class: 'num' }, String(s.v.length)),
              h('td', { class: 'num' }, o ? formatMetric(o.min) : formatNumber(stats.min)),
              h('td', { class: 'num' }, o ? formatMetric(o.max) : formatNumber(stats.max)),
              h('td', { class: 'num latest' }, o ? formatMetric(o.latest) : formatNumber(stats.latest)),
            );
          }),
        ),
      ),
    );
  };

  const drawCurves = (): void => {
    redraw = undefined;
    if (!detail) return;
    const names = metricNames(detail).filter((m) => (detail?.series[m]?.v.length ?? 0) > 0);
    if (names.length === 0) {
      for (const c of charts.values()) c.dispose();
      charts.clear();
      replaceChildren(curves, h('p', { class: 'muted' }, 'No metrics reported yet.'));
      return;
    }
    if (curves.querySelector('p')) curves.textContent = '';
    names.forEach((m, i) => {
      let chart = charts.get(m);
      if (!chart) {
        const el = h('div', { class: 'chart small metric-chart', 'data-metric': m });
        curves.append(el);
        chart = new Chart(el);
        charts.set(m, chart);
      }
      const series = detail!.series[m]!;
      const colour =
        i === 0 && m === detail!.experiment.objective.metric
          ? palette().accent
          : SERIES_COLORS[i % SERIES_COLORS.length]!;
      chart.set(metricOption(m, series, axis, colour), series.v.length);
    });
  };

  const drawLogs = (reply: TrialLogsReply): void => {
    lastLogs = reply;
    if (reply.unavailable) {
      replaceChildren(logs, h('p', { class: 'muted' }, `Logs are not available: ${reply.unavailable}.`));
      return;
    }
    const shown = logStream ?? openingLog(reply);
    const tail = reply[shown];
    const tabs = (['stdout', 'stderr'] as const).map((which) =>
      h(
        'button',
        {
          class: `tab${which === shown ? ' active' : ''}`,
          onclick: () => {
            logStream = which;
            if (lastLogs) drawLogs(lastLogs);
          },
        },
        `${which}.log${reply[which].text === null ? '' : ` (${formatBytes(reply[which].size)})`}`,
      ),
    );
    const note =
      tail.text === null
        ? `No ${shown}.log in ${reply.dir}.`
        : tail.truncated
          ? `The last ${formatBytes(new TextEncoder().encode(tail.text).length)} of ${formatBytes(tail.size)}, from ${reply.dir}.`
          : `From ${reply.dir}.`;
    const pre = tail.text === null ? null : h('pre', { class: 'log', id: `log-${shown}` }, tail.text);
    replaceChildren(logs, h('div', { class: 'tabs' }, tabs), h('p', { class: 'muted small' }, note), pre);
    if (pre) pre.scrollTop = pre.scrollHeight;
  };

  const loadLogs = async (): Promise<void> => {
    clearTimeout(logTimer);
    try {
      drawLogs(await getJson<TrialLogsReply>(`trials/${encoded}/logs`));
    } catch (err) {
      replaceChildren(logs, h('p', { class: 'error' }, `Cannot read logs: ${errorText(err)}`));
    }
    if (!disposed && running()) logTimer = setTimeout(() => void loadLogs(), LOG_REFRESH_MS);
  };

  const stream = liveStream<TrialEvents>(
    `trials/${encoded}/events`,
    {
      trial: (trial) => {
        if (!detail) return;
        const wasRunning = running();
        detail = { ...detail, trial };
        drawHead(detail);
        drawMetrics(detail);
        if (wasRunning && !running()) void loadLogs();
      },
      metrics: (points, replayed) => {
        if (!detail) return;
        for (const p of points) {
          let s = detail.series[p.name];
          if (!s) {
            s = { t: [], v: [] };
            detail.series[p.name] = s;
          }
          // Replayed points may already be in the snapshot.
          if (replayed && s.t.length > 0 && p.t <= s.t[s.t.length - 1]!) continue;
          s.t.push(p.t);
          s.v.push(p.v);
        }
        drawMetrics(detail);
        redraw ??= setTimeout(drawCurves, CHART_REDRAW_MS);
      },
      removed: () => {
        head.append(h('p', { class: 'notice' }, 'This trial’s experiment has been deleted.'));
        stream.close();
        context.setLive('closed');
      },
    },
    async () => {
      const d = await getJson<TrialDetail>(`trials/${encoded}`);
      const first = !detail;
      detail = d;
      if (first) layout();
      drawHead(d);
      drawMetrics(d);
      drawCurves();
      if (first) {
        await loadLogs();
        context.rendered('trial');
      }
    },
    (state, err) => {
      context.setLive(state, err);
      if (err && !detail)
        replaceChildren(main, h('p', { class: 'error' }, `Cannot load trial ${name}: ${errorText(err)}`));
    },
  );
  return {
    dispose() {
      disposed = true;
      clearTimeout(redraw);
      clearTimeout(logTimer);
      stream.close();
      for (const c of charts.values()) c.dispose();
    },
  };
}

/** A label and its value; nothing when there is no value. */
function row(label: string, value: string): HTMLTableRowElement | null {
  return value === '' ? null : h('tr', {}, h('th', {}, label), h('td', {}, value));
}

function currentState(trial: Trial): string {
  return currentCondition(trial.conditions)?.type ?? 'Created';
}

function seriesStats(s: MetricSeries): { min: number | null; max: number | null; latest: number | null } {
  let min: number | null = null;
  let max: number | null = null;
  for (const v of s.v) {
    if (v === null) continue;
    if (min === null || v < min) min = v;
    if (max === null || v > max) max = v;
  }
  return { min, max, latest: s.v.length > 0 ? (s.v[s.v.length - 1] ?? null) : null };
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
