/// <reference lib="dom" />
import { LineChart, ParallelChart, ScatterChart } from 'echarts/charts';
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  ParallelComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  LineChart,
  ScatterChart,
  ParallelChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  DataZoomComponent,
  ParallelComponent,
  VisualMapComponent,
  TitleComponent,
  CanvasRenderer,
]);

export type ChartOption = echarts.EChartsCoreOption;

const darkQuery = (): MediaQueryList => window.matchMedia('(prefers-color-scheme: dark)');

/** Whether the page is dark now (the OS or browser setting). */
export function isDark(): boolean {
  return darkQuery().matches;
}

/** Colours that follow the page's theme, for options the theme does not cover. */
export function palette(): { text: string; muted: string; grid: string; accent: string; best: string } {
  const style = getComputedStyle(document.documentElement);
  const v = (name: string): string => style.getPropertyValue(name).trim();
  return {
    text: v('--text'),
    muted: v('--muted'),
    grid: v('--border'),
    accent: v('--accent'),
    best: v('--best'),
  };
}

/**
 * An echarts chart in `el` that follows the colour scheme (re-created with the other theme when it
 * changes) and the element's size. `set` replaces the whole option; `el.dataset.points` tells how
 * many data points it shows and `el.dataset.draws` how often it was drawn (the browser tests read them).
 */
export class Chart {
  readonly el: HTMLElement;
  #chart: echarts.ECharts;
  #option: ChartOption | undefined;
  readonly #resize: ResizeObserver;
  readonly #onScheme: () => void;
  readonly #handlers: [string, (params: unknown) => void][] = [];

  constructor(el: HTMLElement) {
    this.el = el;
    this.#chart = this.#init();
    this.#resize = new ResizeObserver(() => this.#chart.resize());
    this.#resize.observe(el);
    this.#onScheme = () => {
      this.#chart.dispose();
      this.#chart = this.#init();
      if (this.#option) this.#chart.setOption(this.#option, true);
    };
    darkQuery().addEventListener('change', this.#onScheme);
  }

  set(option: ChartOption, points: number): void {
    // No animation: every change redraws the whole option, and a live chart would keep restarting it.
    this.#option = { backgroundColor: 'transparent', animation: false, ...option };
    this.#chart.setOption(this.#option, true);
    this.el.dataset.points = String(points);
    this.el.dataset.draws = String(Number(this.el.dataset.draws ?? 0) + 1);
  }

  on(event: string, handler: (params: unknown) => void): void {
    this.#handlers.push([event, handler]);
    this.#chart.on(event, handler);
  }

  dispose(): void {
    darkQuery().removeEventListener('change', this.#onScheme);
    this.#resize.disconnect();
    this.#chart.dispose();
  }

  #init(): echarts.ECharts {
    const chart = echarts.init(this.el, isDark() ? 'dark' : undefined, { renderer: 'canvas' });
    for (const [event, handler] of this.#handlers ?? []) chart.on(event, handler);
    return chart;
  }
}

/** A note in the middle of an empty chart. */
export function emptyTitle(text: string, color: string): Record<string, unknown> {
  return { text, left: 'center', top: 'middle', textStyle: { fontSize: 13, fontWeight: 'normal', color } };
}
