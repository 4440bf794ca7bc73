import { type BenchFunction, double, num } from './types.js';

const ALPHA = [1.0, 1.2, 3.0, 3.2];
const A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));
const NAMES = ['x1', 'x2', 'x3', 'x4', 'x5', 'x6'];

/** Hartmann 6-D on [0, 1]^6: global minimum -3.32237. */
export const hartmann6: BenchFunction = {
  name: 'hartmann6',
  parameters: NAMES.map((n) => double(n, 0, 1)),
  optimum: -3.32237,
  continuous: true,
  evaluate(values) {
    const x = NAMES.map((n) => num(values, n));
    let sum = 0;
    for (let i = 0; i < 4; i++) {
      let inner = 0;
      for (let j = 0; j < 6; j++) inner += A[i]![j]! * (x[j]! - P[i]![j]!) ** 2;
      sum += ALPHA[i]! * Math.exp(-inner);
    }
    return -sum;
  },
};
