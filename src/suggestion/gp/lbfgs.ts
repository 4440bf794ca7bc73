/**
 * A function to minimise: returns f(x) and writes ∇f(x) into `grad`. May return Infinity (or NaN)
 * where it cannot be evaluated; the line search then steps back.
 */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface MinimizeOptions {
  maxIterations: number;
  /** Stop once the projected gradient's largest component is below this. */
  gradientTolerance?: number;
  /** Stop once an iteration improves f by less than this, relative to |f|. */
  relativeTolerance?: number;
  /** Stored correction pairs. */
  memory?: number;
}

/**
 * Box-constrained L-BFGS in its simplest projected form: the two-loop direction with the
 * components pushing against an active bound removed, a backtracking (Armijo) line search along
 * the projected path, and only curvature pairs with sᵀy > 0 kept. Good enough for the smooth,
 * low-dimensional problems of this folder (GP hyperparameters, acquisition refinement), where
 * no optimisation library is among the dependencies. Returns the best point found; `x0` is
 * left unchanged.
 */
export function minimize(
  f: Objective,
  x0: ArrayLike<number>,
  lower: ArrayLike<number>,
  upper: ArrayLike<number>,
  options: MinimizeOptions,
): { x: Float64Array; value: number; evaluations: number } {
  const n = x0.length;
  const memory = options.memory ?? 6;
  const gtol = options.gradientTolerance ?? 1e-6;
  const ftol = options.relativeTolerance ?? 1e-9;
  const clip = (v: number, i: number) => Math.min(upper[i]!, Math.max(lower[i]!, v));
  let x = Float64Array.from({ length: n }, (_, i) => clip(x0[i]!, i));
  let grad = new Float64Array(n);
  let value = f(x, grad);
  let evaluations = 1;
  if (!Number.isFinite(value)) return { x, value, evaluations };
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const direction = new Float64Array(n);
  const trial = new Float64Array(n);
  let trialGrad = new Float64Array(n);

  for (let iteration = 0; iteration < options.maxIterations; iteration++) {
    // Variables at a bound whose gradient points outwards stay put.
    const free = (i: number) =>
      !((x[i]! <= lower[i]! && grad[i]! > 0) || (x[i]! >= upper[i]! && grad[i]! < 0));
    let projected = 0;
    for (let i = 0; i < n; i++) if (free(i)) projected = Math.max(projected, Math.abs(grad[i]!));
    if (projected < gtol) break;

    twoLoop(grad, S, Y, direction);
    let slope = 0;
    for (let i = 0; i < n; i++) {
      if (!free(i)) direction[i] = 0;
      slope += direction[i]! * grad[i]!;
    }
    if (!(slope < 0)) {
      // Not a descent direction (stale curvature): fall back to steepest descent.
      S.length = 0;
      Y.length = 0;
      slope = 0;
      for (let i = 0; i < n; i++) {
        direction[i] = free(i) ? -grad[i]! : 0;
        slope += direction[i]! * grad[i]!;
      }
    }
    let step = S.length === 0 ? Math.min(1, 1 / Math.max(projected, 1e-12)) : 1;
    let accepted = false;
    let trialValue = Number.NaN;
    for (let tries = 0; tries < 30; tries++) {
      let decrease = 0;
      for (let i = 0; i < n; i++) {
        trial[i] = clip(x[i]! + step * direction[i]!, i);
        decrease += grad[i]! * (trial[i]! - x[i]!);
      }
      trialValue = f(trial, trialGrad);
      evaluations++;
      if (Number.isFinite(trialValue) && trialValue <= value + 1e-4 * Math.min(decrease, 0)) {
        accepted = true;
        break;
      }
      step *= 0.3;
    }
    if (!accepted) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    let sy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = trial[i]! - x[i]!;
      y[i] = trialGrad[i]! - grad[i]!;
      sy += s[i]! * y[i]!;
    }
    const improvement = value - trialValue;
    x = Float64Array.from(trial);
    [grad, trialGrad] = [trialGrad, grad];
    value = trialValue;
    if (sy > 1e-12) {
      S.push(s);
      Y.push(y);
      if (S.length > memory) {
        S.shift();
        Y.shift();
      }
    }
    if (improvement <= ftol * Math.max(1, Math.abs(value))) break;
  }
  return { x, value, evaluations };
}

/** direction = -H·grad with the L-BFGS inverse-Hessian approximation of the pairs (S, Y). */
function twoLoop(grad: Float64Array, S: Float64Array[], Y: Float64Array[], direction: Float64Array): void {
  const n = grad.length;
  const q = Float64Array.from(grad);
  const alphas = new Array<number>(S.length);
  for (let k = S.length - 1; k >= 0; k--) {
    const s = S[k]!;
    const y = Y[k]!;
    const rho = 1 / dot(y, s);
    const a = rho * dot(s, q);
    alphas[k] = a;
    for (let i = 0; i < n; i++) q[i] = q[i]! - a * y[i]!;
  }
  const last = S.length - 1;
  const gamma = last >= 0 ? dot(S[last]!, Y[last]!) / dot(Y[last]!, Y[last]!) : 1;
  for (let i = 0; i < n; i++) q[i] = q[i]! * gamma;
  for (let k = 0; k < S.length; k++) {
    const s = S[k]!;
    const y = Y[k]!;
    const rho = 1 / dot(y, s);
    const b = rho * dot(y, q);
    for (let i = 0; i < n; i++) q[i] = q[i]! + (alphas[k]! - b) * s[i]!;
  }
  for (let i = 0; i < n; i++) direction[i] = -q[i]!;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
