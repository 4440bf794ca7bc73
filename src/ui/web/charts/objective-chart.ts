import type { ExperimentSummary, TrialSummary } from '../../wire.js';
import { formatNumber, formatTime } from '../format.js';
import type { ChartOption } from './chart.js';
import { emptyTitle, palette } from './chart.js';

type Point = [number, number, string, string];

/**
 * Every trial's objective at the time it ended, and the best value so far as a step line. Running
 * trials appear at their latest reported value, hollow. Points carry the trial name (dimension 2):
 * a click opens the trial.
 */
export function objectiveOption(
  trials: readonly TrialSummary[],
  objective: ExperimentSummary['objective'],
): { option: ChartOption; points: number } {
  const ended: Point[] = [];
  const stopped: Point[] = [];
  const failed: Point[] = [];
  const running: Point[] = [];
  // The axis starts with the first trial, so a young experiment's few points are not squeezed together.
  let since = Number.POSITIVE_INFINITY;
  for (const t of trials) {
    if (t.started) since = Math.min(since, Date.parse(t.started));
    if (t.objective !== null && t.completed) {
      const p: Point = [Date.parse(t.completed), t.objective, t.name, t.state];
      (t.state === 'Succeeded' ? ended : t.state === 'EarlyStopped' ? stopped : failed).push(p);
    } else if (t.state === 'Running' && t.current) {
      running.push([t.current.time, t.current.value, t.name, t.state]);
    }
  }
  const all = [...ended, ...stopped, ...failed].sort((a, b) => a[0] - b[0]);
  const minimize = objective.type === 'minimize';
  const best: [number, number][] = [];
  let bestValue: number | undefined;
  for (const [time, value] of all) {
    if (bestValue === undefined || (minimize ? value < bestValue : value > bestValue)) {
      bestValue = value;
      best.push([time, value]);
    }
  }
  const lastTime = Math.max(all.at(-1)?.[0] ?? 0, ...running.map((p) => p[0]));
  if (bestValue !== undefined && best.length > 0 && lastTime > best.at(-1)![0])
    best.push([lastTime, bestValue]);
  const colors = palette();
  const scatter = (name: string, data: Point[], color: string, hollow = false) => ({
    name,
    type: 'scatter',
    data,
    symbolSize: all.length > 500 ? 5 : 8,
    itemStyle: hollow
      ? { color: 'transparent', borderColor: color, borderWidth: 2 }
      : { color, opacity: 0.8 },
    large: data.length > 2000,
  });
  return {
    points: all.length + running.length,
    option: {
      grid: { left: 56, right: 24, top: 36, bottom: 36 },
      legend: {
        top: 0,
        textStyle: { color: colors.muted },
        data: [
          ...(ended.length > 0 ? ['Succeeded'] : []),
          ...(stopped.length > 0 ? ['Early stopped'] : []),
          ...(failed.length > 0 ? ['Failed, killed'] : []),
          ...(running.length > 0 ? ['Running (latest)'] : []),
          ...(best.length > 0 ? ['Best so far'] : []),
        ],
      },
      tooltip: {
        trigger: 'item',
        formatter: (p: { seriesName: string; data: Point | [number, number] }) =>
          p.data.length === 4
            ? `${p.data[2]}<br/>${objective.metric}: <b>${formatNumber(p.data[1])}</b><br/>${p.data[3]} · ${formatTime(p.data[0])}`
            : `best so far: <b>${formatNumber(p.data[1])}</b>`,
      },
      ...(all.length + running.length === 0
        ? { title: emptyTitle('No trial has reported its objective yet', colors.muted) }
        : {}),
      xAxis: {
        type: 'time',
        axisLabel: { hideOverlap: true },
        ...(Number.isFinite(since) ? { min: since } : {}),
      },
      yAxis: { type: 'value', name: objective.metric, scale: true, nameTextStyle: { align: 'left' } },
      series: [
        scatter('Succeeded', ended, colors.accent),
        scatter('Early stopped', stopped, '#d97706'),
        scatter('Failed, killed', failed, colors.muted),
        scatter('Running (latest)', running, '#0891b2', true),
        {
          name: 'Best so far',
          type: 'line',
          step: 'end',
          data: best,
          showSymbol: false,
          lineStyle: { width: 2, color: colors.best },
          itemStyle: { color: colors.best },
          z: 1,
        },
      ],
    },
  };
}
