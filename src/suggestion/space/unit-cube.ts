import { indexOfValue, snap, valueAt } from './steps.js';
import {
  type DoubleParam,
  type IntParam,
  isLogScale,
  isStepped,
  type Param,
  type Point,
  type SearchSpace,
  type Value,
} from './types.js';

/*
 * Model-based algorithms (tpe, gp, cmaes, sobol) work in [0,1]^d. The mapping per parameter:
 * - int and stepped double, uniform or normal: the count step points split [0,1] into equal
 *   cells; point k sits at the centre of cell k.
 * - logUniform / logNormal: linear in log(value) between the outer edges (half a step beyond
 *   min and max when stepped and still positive), then snapped to the nearest step point.
 * - double without step: linear (or log) between min and max.
 * - discrete: equal cells in ascending value order; categorical: equal cells in list order.
 * fromUnit(toUnit(v)) === v for every feasible v, except for a log-scale double without step,
 * where it holds up to floating-point rounding.
 */

function logEdges(param: IntParam | DoubleParam): [number, number] {
  if (param.step === undefined) return [Math.log(param.min), Math.log(param.max)];
  const top = valueAt(param, param.count - 1) as number;
  const low = param.min - param.step / 2 > 0 ? param.min - param.step / 2 : param.min;
  return [Math.log(low), Math.log(top + param.step / 2)];
}

function cell(count: number, u: number): number {
  return Math.min(count - 1, Math.floor(u * count));
}

/** The unit coordinate of a feasible value. */
export function toUnit(param: Param, value: Value): number {
  switch (param.kind) {
    case 'discrete': {
      const rank = param.ascending.indexOf(param.values.indexOf(value as number));
      return (Math.max(0, rank) + 0.5) / param.count;
    }
    case 'categorical':
      return (Math.max(0, param.list.indexOf(value as string)) + 0.5) / param.count;
    default: {
      const x = value as number;
      if (isLogScale(param)) {
        const [lo, hi] = logEdges(param);
        return hi === lo ? 0.5 : clamp01((Math.log(x) - lo) / (hi - lo));
      }
      if (isStepped(param)) return (Math.max(0, indexOfValue(param, snap(param, x))) + 0.5) / param.count;
      return param.max === param.min ? 0.5 : clamp01((x - param.min) / (param.max - param.min));
    }
  }
}

/** The feasible value at unit coordinate u (u is clamped into [0, 1]). */
export function fromUnit(param: Param, u: number): Value {
  const t = clamp01(u);
  switch (param.kind) {
    case 'discrete':
      return param.values[param.ascending[cell(param.count, t)]!]!;
    case 'categorical':
      return param.list[cell(param.count, t)]!;
    default: {
      if (isLogScale(param)) {
        const [lo, hi] = logEdges(param);
        return snap(param, Math.exp(lo + t * (hi - lo)));
      }
      if (isStepped(param)) return valueAt(param, cell(param.count, t));
      return snap(param, param.min + t * (param.max - param.min));
    }
  }
}

export function pointToUnit(space: SearchSpace, point: Point): number[] {
  return space.params.map((param, i) => toUnit(param, point[i]!));
}

export function pointFromUnit(space: SearchSpace, unit: readonly number[]): Point {
  return space.params.map((param, i) => fromUnit(param, unit[i] ?? 0.5));
}

function clamp01(u: number): number {
  return Number.isNaN(u) ? 0.5 : Math.min(1, Math.max(0, u));
}
