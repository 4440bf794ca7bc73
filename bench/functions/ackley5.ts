import { type BenchFunction, double, num } from './types.js';

const NAMES = ['x1', 'x2', 'x3', 'x4', 'x5'];

/** Ackley 5-D on [-5, 5]^5: global minimum 0 at the origin. */
export const ackley5: BenchFunction = {
  name: 'ackley5',
  parameters: NAMES.map((n) => double(n, -5, 5)),
  optimum: 0,
  continuous: true,
  evaluate(values) {
    const x = NAMES.map((n) => num(values, n));
    const squares = x.reduce((s, v) => s + v * v, 0) / x.length;
    const cosines = x.reduce((s, v) => s + Math.cos(2 * Math.PI * v), 0) / x.length;
    return -20 * Math.exp(-0.2 * Math.sqrt(squares)) - Math.exp(cosines) + 20 + Math.E;
  },
};
