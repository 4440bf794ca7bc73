import type { Setting } from '../../api/experiment.js';
import type { Param, Point, SearchSpace, Value } from './types.js';

/**
 * A double as Katib's Python suggestion services print it (`str(float)`): the shortest decimal
 * that reads back to the same double, always with a `.0` when whole (`1.0`), in exponent form
 * below 1e-4 and from 1e16 on (`1e-05`, `1.5e+16`).
 */
export function formatDouble(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument gives the shortest round-trip digits.
  const [mantissa = '', exponentText = '0'] = x.toExponential().split('e');
  const exponent = Number(exponentText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exponent < -4 || exponent >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${m}e${exponent < 0 ? '-' : '+'}${e}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return `${sign}${digits.padEnd(exponent + 1, '0')}.0`;
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

/**
 * A feasible value as the trial receives it: ints without a decimal point, doubles by
 * formatDouble, discrete as the list wrote it (`0.10` stays `0.10`), categorical as given.
 */
export function formatValue(param: Param, value: Value): string {
  switch (param.kind) {
    case 'int':
      return String(Math.round(value as number));
    case 'double':
      return formatDouble(value as number);
    case 'discrete': {
      const i = param.values.indexOf(value as number);
      return i >= 0 ? param.labels[i]! : formatDouble(value as number);
    }
    case 'categorical':
      return String(value);
  }
}

/** A point as the assignments of a suggestion: every parameter once, in spec order. */
export function toAssignments(space: SearchSpace, point: Point): Setting[] {
  return space.params.map((param, i) => ({ name: param.name, value: formatValue(param, point[i]!) }));
}
