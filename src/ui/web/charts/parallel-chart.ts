import type { ExperimentSummary, ParameterInfo, TrialSummary } from '../../wire.js';
import { formatNumber } from '../format.js';
import type { ChartOption } from './chart.js';
import { emptyTitle, palette } from './chart.js';

// Best to worst; reversed for a maximized objective so that the best trials are always blue.
const GOOD_TO_BAD = ['#1d4ed8', '#0ea5e9', '#10b981', '#eab308', '#f97316', '#dc2626'];

/**
 * Parallel coordinates: one axis per parameter (numbers on value axes, log-scaled for log
 * distributions; categories in their listed order) and the objective last; one line per trial
 * with an objective, coloured by it. Dragging along an axis selects a range.
 */
export function parallelOption(
  trials: readonly TrialSummary[],
  parameters: readonly ParameterInfo[],
  objective: ExperimentSummary['objective'],
): { option: ChartOption; points: number } {
  const rows: (number | string)[][] = [];
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const t of trials) {
    if (t.objective === null) continue;
    const row: (number | string)[] = parameters.map((p, i) => {
      const raw = t.params[i] ?? '';
      return p.type === 'categorical' ? raw : Number(raw);
    });
    row.push(t.objective);
    rows.push(row);
    min = Math.min(min, t.objective);
    max = Math.max(max, t.objective);
  }
  const colors = palette();
  const axis = parameters.map((p, dim) => {
    const base = { dim, name: p.name, nameTextStyle: { color: colors.text } };
    if (p.type === 'categorical') return { ...base, type: 'category', data: p.list ?? [] };
    const log = p.distribution === 'logUniform' || p.distribution === 'logNormal';
    const lo = Number(p.min);
    const hi = Number(p.max);
    return {
      ...base,
      type: log && lo > 0 ? 'log' : 'value',
      scale: true,
      ...(Number.isFinite(lo) && p.min !== undefined ? { min: lo } : {}),
      ...(Number.isFinite(hi) && p.max !== undefined ? { max: hi } : {}),
    };
  });
  axis.push({
    dim: parameters.length,
    name: objective.metric,
    nameTextStyle: { color: colors.text },
    type: 'value',
    scale: true,
  } as (typeof axis)[number]);
  const range = rows.length > 0 ? { min, max: max > min ? max : min + 1 } : { min: 0, max: 1 };
  return {
    points: rows.length,
    option: {
      ...(rows.length === 0
        ? { title: emptyTitle('No trial has an objective value yet', colors.muted) }
        : {}),
      parallel: {
        left: 48,
        right: 150,
        top: 40,
        bottom: 28,
        parallelAxisDefault: {
          nameLocation: 'start',
          nameGap: 20,
          axisLabel: {
            color: colors.muted,
            formatter: (v: number | string) => (typeof v === 'number' ? formatNumber(v) : v),
          },
        },
      },
      parallelAxis: axis,
      ...(rows.length === 0
        ? {}
        : { visualMap: visualMap(parameters.length, range, objective, colors.muted) }),
      series: [
        {
          type: 'parallel',
          data: rows,
          lineStyle: { width: rows.length > 300 ? 1 : 1.5, opacity: rows.length > 300 ? 0.35 : 0.6 },
          emphasis: { lineStyle: { width: 3, opacity: 1 } },
          inactiveOpacity: 0.04,
          activeOpacity: 1,
        },
      ],
    },
  };
}

/** Colours lines by the objective (dimension `dimension`), the best end always blue. */
function visualMap(
  dimension: number,
  range: { min: number; max: number },
  objective: ExperimentSummary['objective'],
  muted: string,
): Record<string, unknown> {
  const minimize = objective.type === 'minimize';
  return {
    type: 'continuous',
    dimension,
    ...range,
    right: 24,
    top: 'middle',
    itemHeight: 160,
    calculable: true,
    precision: 3,
    text: [minimize ? 'worse' : 'better', minimize ? 'better' : 'worse'],
    textStyle: { color: muted },
    inRange: { color: minimize ? GOOD_TO_BAD : [...GOOD_TO_BAD].reverse() },
  };
}
