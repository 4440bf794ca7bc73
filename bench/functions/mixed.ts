import type { BenchFunction } from './types.js';
import { num } from './types.js';

const OPTIMIZER_PENALTY: Record<string, number> = { adam: 0, rmsprop: 0.1, sgd: 0.3 };

/**
 * A training-run stand-in over a mixed space: a log-uniform learning rate in [1e-5, 1e-1]
 * (best at 10^-2.5), an int layer count 1..8 (best 4) and a categorical optimizer (adam best).
 * Global minimum 0 at lr = 10^-2.5, layers = 4, optimizer = adam.
 */
export const mixed: BenchFunction = {
  name: 'mixed',
  parameters: [
    {
      name: 'lr',
      parameterType: 'double',
      feasibleSpace: { min: '0.00001', max: '0.1', distribution: 'logUniform' },
    },
    { name: 'layers', parameterType: 'int', feasibleSpace: { min: '1', max: '8' } },
    { name: 'optimizer', parameterType: 'categorical', feasibleSpace: { list: ['sgd', 'adam', 'rmsprop'] } },
  ],
  optimum: 0,
  continuous: false,
  evaluate(values) {
    const lr = num(values, 'lr');
    const layers = num(values, 'layers');
    const optimizer = values.optimizer;
    if (typeof optimizer !== 'string' || !(optimizer in OPTIMIZER_PENALTY)) {
      throw new TypeError(`optimizer is not one of the list: ${String(optimizer)}`);
    }
    return (Math.log10(lr) + 2.5) ** 2 / 4 + (layers - 4) ** 2 / 16 + OPTIMIZER_PENALTY[optimizer]!;
  },
};
