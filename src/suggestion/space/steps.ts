import { roundTo } from './numbers.js';
import type { Param, Point, SearchSpace, Value } from './types.js';

/**
 * The k-th feasible value of a finite parameter (0 <= k < param.count): min + k*step for int
 * and stepped double, the k-th list entry for discrete and categorical.
 */
export function valueAt(param: Param, k: number): Value {
  switch (param.kind) {
    case 'int':
      return param.min + k * param.step;
    case 'double':
      if (param.step === undefined) throw new RangeError(`parameter ${param.name} has no step points`);
      return Math.min(param.max, roundTo(param.min + k * param.step, param.decimals));
    case 'discrete':
      return param.values[k]!;
    case 'categorical':
      return param.list[k]!;
  }
}

/**
 * The nearest feasible value to x: clamped into [min, max], onto min + k*step when there is a
 * step (so ints come out as ints); for discrete, the nearest list value.
 */
export function snap(param: Param, x: number): number {
  switch (param.kind) {
    case 'int':
    case 'double': {
      const clamped = Math.min(param.max, Math.max(param.min, x));
      if (param.step === undefined) return clamped;
      const k = Math.min(param.count - 1, Math.max(0, Math.round((clamped - param.min) / param.step)));
      return valueAt(param, k) as number;
    }
    case 'discrete': {
      let best = param.values[0]!;
      for (const v of param.values) if (Math.abs(v - x) < Math.abs(best - x)) best = v;
      return best;
    }
    case 'categorical':
      throw new TypeError(`categorical parameter ${param.name} has no numeric values`);
  }
}

/** Position of a feasible value among the parameter's points (inverse of valueAt), or -1. */
export function indexOfValue(param: Param, value: Value): number {
  switch (param.kind) {
    case 'int':
    case 'double': {
      if (typeof value !== 'number' || param.step === undefined) return -1;
      const k = Math.round((value - param.min) / param.step);
      return k >= 0 && k < param.count && valueAt(param, k) === value ? k : -1;
    }
    case 'discrete':
      return param.values.indexOf(value as number);
    case 'categorical':
      return param.list.indexOf(value as string);
  }
}

/**
 * The i-th point of a finite space's cartesian product, in a stable order: parameters in spec
 * order, the last one varying fastest (as Python's itertools.product, which Katib's grid uses).
 */
export function pointAt(space: SearchSpace, index: number): Point {
  const point: Value[] = new Array(space.params.length);
  let rest = index;
  for (let p = space.params.length - 1; p >= 0; p--) {
    const param = space.params[p]!;
    point[p] = valueAt(param, rest % param.count);
    rest = Math.floor(rest / param.count);
  }
  return point;
}
