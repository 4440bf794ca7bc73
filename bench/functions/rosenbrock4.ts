import { type BenchFunction, double, num } from './types.js';

const NAMES = ['x1', 'x2', 'x3', 'x4'];

/** Rosenbrock 4-D on [-2, 2]^4: global minimum 0 at (1, 1, 1, 1). */
export const rosenbrock4: BenchFunction = {
  name: 'rosenbrock4',
  parameters: NAMES.map((n) => double(n, -2, 2)),
  optimum: 0,
  continuous: true,
  evaluate(values) {
    const x = NAMES.map((n) => num(values, n));
    let sum = 0;
    for (let i = 0; i < x.length - 1; i++) sum += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (1 - x[i]!) ** 2;
    return sum;
  },
};
