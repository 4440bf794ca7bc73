import type { ParameterSpec } from '../../src/api/experiment.js';

/** A benchmark objective to minimise, with its search space and known optimum. */
export interface BenchFunction {
  name: string;
  parameters: ParameterSpec[];
  /** The global minimum's value. */
  optimum: number;
  /** True when every parameter is a double (grid needs steps, so it skips these). */
  continuous: boolean;
  /** The objective at assignments given by parameter name (numbers, or strings for categorical). */
  evaluate(values: Readonly<Record<string, number | string>>): number;
}

export const double = (name: string, min: number, max: number): ParameterSpec => ({
  name,
  parameterType: 'double',
  feasibleSpace: { min: String(min), max: String(max) },
});

export function num(values: Readonly<Record<string, number | string>>, name: string): number {
  const v = values[name];
  if (typeof v !== 'number') throw new TypeError(`parameter ${name} is not a number: ${String(v)}`);
  return v;
}
