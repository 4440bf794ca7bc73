import { ackley5 } from './ackley5.js';
import { branin } from './branin.js';
import { hartmann6 } from './hartmann6.js';
import { mixed } from './mixed.js';
import { rosenbrock4 } from './rosenbrock4.js';
import type { BenchFunction } from './types.js';

export { minimize, type RunOptions } from './minimize.js';
export type { BenchFunction } from './types.js';

/** The benchmark functions in report order. */
export const BENCH_FUNCTIONS: readonly BenchFunction[] = [branin, hartmann6, rosenbrock4, ackley5, mixed];
