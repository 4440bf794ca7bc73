import type { MetricSeries } from '../../wire.js';
import { formatNumber, formatTime } from '../format.js';
import type { ChartOption } from './chart.js';
import { palette } from './chart.js';

export type MetricAxis = 'step' | 'time';

/**
 * One metric's observation log as a line: by report number (`step`, the n-th value reported) or
 * by time. Long logs are drawn down-sampled (LTTB keeps the shape); non-numbers are gaps.
 */
export function metricOption(
  name: string,
  series: MetricSeries,
  axis: MetricAxis,
  color: string,
): ChartOption {
  const data: [number, number | null][] = new Array(series.v.length);
  for (let i = 0; i < series.v.length; i++)
    data[i] = [axis === 'step' ? i + 1 : series.t[i]!, series.v[i] ?? null];
  const colors = palette();
  return {
    title: { text: name, left: 8, top: 4, textStyle: { fontSize: 13, fontWeight: 600, color: colors.text } },
    grid: { left: 56, right: 16, top: 36, bottom: 28 },
    tooltip: {
      trigger: 'axis',
      formatter: (items: { data: [number, number | null]; dataIndex: number }[]) => {
        const item = items[0];
        if (!item) return '';
        const i = item.dataIndex;
        const t = series.t[i];
        return `${name}: <b>${formatNumber(item.data[1])}</b><br/>#${i + 1}${t !== undefined ? ` · ${formatTime(t)}` : ''}`;
      },
    },
    xAxis: axis === 'step' ? { type: 'value', minInterval: 1, name: 'report', nameGap: 4 } : { type: 'time' },
    yAxis: { type: 'value', scale: true },
    series: [
      {
        type: 'line',
        data,
        showSymbol: data.length <= 60,
        symbolSize: 5,
        sampling: 'lttb',
        connectNulls: false,
        lineStyle: { width: 2, color },
        itemStyle: { color },
        large: data.length > 5000,
      },
    ],
  };
}
