import type { Strategy } from './strategy.js';

/*
 * When a run has converged or stalled, as in Hansen's CMA-ES and the `cmaes` library Optuna uses,
 * in the unit cube: TolFun (the best and worst losses of the last 10 + ⌈30n/λ⌉ generations within
 * 1e-12), TolX (every coordinate's standard deviation and the evolution path below 1e-12),
 * TolXUp (σ·max D above 1e4), NoEffectCoord and NoEffectAxis (a step of 0.2σ along a coordinate or
 * 0.1σ along a principal axis leaves the mean unchanged), ConditionCov (above 1e14).
 */
const TOL_FUN = 1e-12;
const TOL_X = 1e-12;
const TOL_X_UP = 1e4;
const TOL_CONDITION = 1e14;

/** The best and worst loss of recent generations, oldest first. */
export class FunctionHistory {
  readonly values: number[] = [];

  constructor(readonly length: number) {}

  add(best: number, worst: number): void {
    this.values.push(best, worst);
    while (this.values.length > 2 * this.length) this.values.shift();
  }
}

export function historyLength(n: number, lambda: number): number {
  return 10 + Math.ceil((30 * n) / lambda);
}

/** The criterion that says the run should stop, or undefined. */
export function stopReason(strategy: Strategy, history: FunctionHistory): string | undefined {
  const { n, mean, sigma, C, D, B, pC } = strategy;
  if (history.values.length >= 2 * history.length) {
    const finite = history.values.filter(Number.isFinite);
    if (finite.length === history.values.length && Math.max(...finite) - Math.min(...finite) < TOL_FUN) {
      return 'TolFun';
    }
  }
  const sd = Array.from({ length: n }, (_, i) => Math.sqrt(C[i]![i]!));
  if (sd.every((s) => sigma * s < TOL_X) && pC.every((p) => Math.abs(sigma * p) < TOL_X)) return 'TolX';
  if (sigma * Math.max(...D) > TOL_X_UP) return 'TolXUp';
  if (sd.some((s, i) => mean[i]! + 0.2 * sigma * s === mean[i]!)) return 'NoEffectCoord';
  const axis = strategy.generation % n;
  if (Array.from(mean).every((m, i) => m + 0.1 * sigma * D[axis]! * B[axis]![i]! === m))
    return 'NoEffectAxis';
  if (strategy.condition() > TOL_CONDITION) return 'ConditionCov';
  return undefined;
}
