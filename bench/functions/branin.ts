import { type BenchFunction, double, num } from './types.js';

/** Branin-Hoo on x in [-5, 10], y in [0, 15]: three global minima of 0.397887. */
export const branin: BenchFunction = {
  name: 'branin',
  parameters: [double('x', -5, 10), double('y', 0, 15)],
  optimum: 0.397887,
  continuous: true,
  evaluate(values) {
    const x = num(values, 'x');
    const y = num(values, 'y');
    const b = 5.1 / (4 * Math.PI ** 2);
    const c = 5 / Math.PI;
    const t = 1 / (8 * Math.PI);
    return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - t) * Math.cos(x) + 10;
  },
};
