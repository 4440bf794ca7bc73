/// <reference lib="dom" />
import type { ExperimentSummary, ParameterInfo, TrialSummary } from '../wire.js';
import { escapeHtml, h, replaceChildren } from './dom.js';
import { formatDuration, formatMetric, formatNumber, formatTime } from './format.js';
import { objectiveLabel } from './objective-label.js';
import { compareTrials, compileFilter, type SortKey } from './trial-filter.js';

// Beyond this many matching rows the table offers the rest on demand (the DOM, not the data, is the cost).
const ROW_LIMIT = 2000;
// Rows drawn at once, more than a screenful; the rest follow right after the first paint.
const FIRST_ROWS = 120;
// Live changes redraw the table at most this often (user actions redraw at the next frame).
const LIVE_REDRAW_MS = 500;
const STATES = ['Created', 'Running', 'Succeeded', 'EarlyStopped', 'Failed', 'MetricsUnavailable', 'Killed'];

interface Column {
  key: SortKey;
  label: string;
  numeric: boolean;
  cell(t: TrialSummary): string;
}

/**
 * The experiment's trials: sortable by any column (click its header), filtered by text (see
 * compileFilter) and by state. Rows are rendered as one HTML string, so a thousand trials cost one
 * parse; changes are batched to one render per animation frame.
 */
export class TrialsTable {
  readonly el: HTMLElement;
  readonly #trials = new Map<string, TrialSummary>();
  readonly #columns: Column[];
  readonly #fields: { parameters: string[]; metrics: string[] };
  readonly #head: HTMLTableSectionElement;
  readonly #body: HTMLTableSectionElement;
  readonly #count: HTMLElement;
  readonly #error: HTMLElement;
  readonly #more: HTMLButtonElement;
  #filterText = '';
  #state = '';
  #sort: { key: SortKey; descending: boolean } = { key: 'name', descending: false };
  #showAll = false;
  #frame = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastRender = 0;
  #generation = 0;

  constructor(parameters: ParameterInfo[], metricNames: string[], objective: ExperimentSummary['objective']) {
    const others = metricNames.filter((m) => m !== objective.metric);
    this.#fields = { parameters: parameters.map((p) => p.name), metrics: metricNames };
    this.#columns = [
      { key: 'name', label: 'Trial', numeric: false, cell: (t) => trialLink(t.name) },
      { key: 'state', label: 'State', numeric: false, cell: (t) => stateBadge(t) },
      {
        key: 'objective',
        label: objectiveLabel(objective),
        numeric: true,
        cell: objectiveCell,
      },
      ...parameters.map((p, i) => ({
        key: `p:${i}`,
        label: p.name,
        numeric: p.type !== 'categorical',
        cell: (t: TrialSummary) => escapeHtml(formatMetric(t.params[i])),
      })),
      ...others.map((m) => ({
        key: `m:${m}`,
        label: m,
        numeric: true,
        cell: (t: TrialSummary) => escapeHtml(formatMetric(t.metrics[m])),
      })),
      { key: 'started', label: 'Started', numeric: false, cell: (t) => escapeHtml(formatTime(t.started)) },
      {
        key: 'duration',
        label: 'Duration',
        numeric: true,
        cell: (t) => escapeHtml(t.started ? formatDuration(t.started, t.completed) : ''),
      },
    ];
    // Newest first by default: while an experiment runs, what changes is at the top.
    this.#sort = { key: 'started', descending: true };
    const filter = h('input', {
      type: 'search',
      class: 'filter',
      placeholder: 'Filter: text, or e.g. lr>0.01 state=Succeeded',
      'aria-label': 'Filter trials',
      oninput: (e: Event) => {
        this.#filterText = (e.target as HTMLInputElement).value;
        this.#redraw();
      },
    });
    const states = h(
      'select',
      {
        'aria-label': 'State',
        onchange: (e: Event) => {
          this.#state = (e.target as HTMLSelectElement).value;
          this.#redraw();
        },
      },
      h('option', { value: '' }, 'All states'),
      STATES.map((s) => h('option', { value: s }, s)),
    );
    this.#count = h('span', { class: 'muted count' });
    this.#error = h('div', { class: 'filter-error', hidden: true });
    this.#head = h('thead');
    this.#body = h('tbody');
    this.#more = h('button', {
      class: 'more',
      hidden: true,
      onclick: () => {
        this.#showAll = true;
        this.#redraw();
      },
    });
    this.#head.addEventListener('click', (e) => {
      const key = (e.target as HTMLElement).closest('th')?.dataset.key;
      if (!key) return;
      this.#sort = { key, descending: this.#sort.key === key ? !this.#sort.descending : key === 'started' };
      this.#redraw();
    });
    this.el = h(
      'div',
      { class: 'trials' },
      h('div', { class: 'toolbar' }, filter, states, this.#count),
      this.#error,
      h('div', { class: 'table-scroll' }, h('table', { class: 'data trials-table' }, this.#head, this.#body)),
      this.#more,
    );
  }

  /** Replaces every trial. */
  setAll(trials: readonly TrialSummary[]): void {
    this.#trials.clear();
    for (const t of trials) this.#trials.set(t.name, t);
    this.render();
  }

  /** Adds or replaces trials (a running trial's live value is kept while it still runs). */
  update(trials: readonly TrialSummary[]): void {
    for (const t of trials) {
      const before = this.#trials.get(t.name);
      this.#trials.set(
        t.name,
        before?.current && t.state === 'Running' && !t.current ? { ...t, current: before.current } : t,
      );
    }
    this.schedule();
  }

  /** A running trial's latest value: its cell changes in place (the order follows at the next redraw). */
  setCurrent(name: string, point: NonNullable<TrialSummary['current']>): void {
    const t = this.#trials.get(name);
    if (t?.state !== 'Running') return;
    const updated = { ...t, current: point };
    this.#trials.set(name, updated);
    const at = this.#columns.findIndex((c) => c.key === 'objective');
    const cell = this.#body.querySelector(`tr[data-trial="${CSS.escape(name)}"]`)?.children[at];
    if (cell) cell.innerHTML = objectiveCell(updated);
  }

  get(name: string): TrialSummary | undefined {
    return this.#trials.get(name);
  }

  all(): TrialSummary[] {
    return [...this.#trials.values()];
  }

  /** A redraw for live changes: soon, but not more often than every LIVE_REDRAW_MS. */
  schedule(): void {
    if (this.#frame !== 0 || this.#timer !== undefined) return;
    const wait = Math.max(0, this.#lastRender + LIVE_REDRAW_MS - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#redraw();
    }, wait);
  }

  #redraw(): void {
    if (this.#frame !== 0) return;
    this.#frame = requestAnimationFrame(() => this.render());
  }

  render(): void {
    if (this.#frame !== 0) cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lastRender = performance.now();
    const filter = compileFilter(this.#filterText, this.#fields);
    this.#error.hidden = !filter.error;
    this.#error.textContent = filter.error ?? '';
    const rows = [...this.#trials.values()].filter(
      (t) => (!this.#state || t.state === this.#state) && filter.test(t),
    );
    const { key, descending } = this.#sort;
    rows.sort((a, b) => compareTrials(a, b, key, descending) || a.name.localeCompare(b.name));
    const shown = this.#showAll ? rows : rows.slice(0, ROW_LIMIT);
    this.#count.textContent = `${rows.length === this.#trials.size ? '' : `${rows.length} of `}${this.#trials.size} trials`;
    replaceChildren(
      this.#head,
      h(
        'tr',
        {},
        this.#columns.map((c) =>
          h(
            'th',
            {
              'data-key': c.key,
              class: `${c.numeric ? 'num ' : ''}sortable${c.key === key ? (descending ? ' desc' : ' asc') : ''}`,
              'aria-sort': c.key === key ? (descending ? 'descending' : 'ascending') : undefined,
            },
            c.label,
          ),
        ),
      ),
    );
    const generation = ++this.#generation;
    this.#body.innerHTML =
      shown.length === 0
        ? `<tr><td class="empty" colspan="${this.#columns.length}">${this.#trials.size === 0 ? 'No trials yet.' : 'No trial matches the filter.'}</td></tr>`
        : this.#rowsHtml(shown.slice(0, FIRST_ROWS));
    const done = (): void => {
      this.el.dataset.rows = String(shown.length);
    };
    if (shown.length > FIRST_ROWS) {
      delete this.el.dataset.rows;
      // After the first paint: the screenful shows at once, the rest of a big table comes next.
      requestAnimationFrame(() =>
        setTimeout(() => {
          if (generation !== this.#generation) return;
          this.#body.insertAdjacentHTML('beforeend', this.#rowsHtml(shown.slice(FIRST_ROWS)));
          done();
        }, 0),
      );
    } else done();
    this.#more.hidden = shown.length === rows.length;
    this.#more.textContent = `Show all ${rows.length} trials`;
  }

  #rowsHtml(trials: readonly TrialSummary[]): string {
    let html = '';
    for (const t of trials) {
      html += `<tr data-trial="${escapeHtml(t.name)}">`;
      for (const c of this.#columns) html += `<td${c.numeric ? ' class="num"' : ''}>${c.cell(t)}</td>`;
      html += '</tr>';
    }
    return html;
  }
}

function trialLink(name: string): string {
  return `<a href="trials/${encodeURIComponent(name)}">${escapeHtml(name)}</a>`;
}

function stateBadge(t: TrialSummary): string {
  return `<span class="badge state-${t.state.toLowerCase()}" title="${escapeHtml(t.reason)}">${t.state}</span>`;
}

function objectiveCell(t: TrialSummary): string {
  if (t.objective !== null) return escapeHtml(formatNumber(t.objective));
  if (t.current)
    return `<span class="live-value" title="latest reported">${escapeHtml(formatNumber(t.current.value))}</span>`;
  return '';
}
