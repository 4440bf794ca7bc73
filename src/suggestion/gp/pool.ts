import type { Rng } from '../rng.js';
import type { SearchSpace } from '../space/index.js';
import { randomInputs, snapInputs } from './encoding.js';
import type { GaussianProcess } from './gaussian-process.js';

/** Perturbation sizes (unit cube) for candidates around the best points, picked at random. */
const LOCAL_SCALES = [0.005, 0.02, 0.06, 0.15];

/**
 * Candidate inputs for the acquisition search: `randomCount` uniform feasible points, then
 * `localCount` perturbations of the anchors (the best points so far). A perturbation moves each
 * numeric coordinate with probability 1/2 (at least one) by a normal step of a randomly picked
 * scale, and switches each categorical with probability 0.15. Every candidate is snapped.
 */
export function candidateInputs(
  space: SearchSpace,
  rng: Rng,
  anchors: readonly Float64Array[],
  randomCount: number,
  localCount: number,
): Float64Array {
  const dims = space.params.length;
  const count = randomCount + (anchors.length === 0 ? 0 : localCount);
  const X = new Float64Array(count * dims);
  for (let c = 0; c < randomCount; c++) randomInputs(space, rng, X, c * dims);
  for (let c = randomCount; c < count; c++) {
    const at = c * dims;
    const anchor = anchors[c % anchors.length]!;
    const scale = rng.pick(LOCAL_SCALES);
    const forced = rng.int(0, dims - 1);
    space.params.forEach((param, d) => {
      const base = anchor[d]!;
      if (param.kind === 'categorical') {
        X[at + d] = rng.float() < 0.15 || (d === forced && dims === 1) ? rng.int(0, param.count - 1) : base;
      } else {
        const move = d === forced || rng.float() < 0.5;
        X[at + d] = move ? Math.min(1, Math.max(0, base + scale * rng.normal())) : base;
      }
    });
    snapInputs(space, X, at);
  }
  return X;
}

/** Candidates solved together, so the rows they share stay in cache. */
const BLOCK = 128;

/**
 * Candidates with their posterior kept up to date as points are appended to the GP: for each
 * candidate c, v_c = L⁻¹ k(c, X) grows by one entry per appended point, and the mean and variance
 * follow from it (see GaussianProcess.fromForward). V is stored by training row:
 * V[row * size + c], so the solves and updates run along contiguous memory.
 */
export class CandidatePool {
  readonly size: number;
  readonly V: Float64Array;
  readonly mean: Float64Array;
  readonly variance: Float64Array;

  constructor(
    readonly gp: GaussianProcess,
    readonly X: Float64Array,
  ) {
    const dims = gp.layout.dims;
    const size = X.length / dims;
    const n = gp.n;
    const { L, capacity } = gp.factor;
    this.size = size;
    this.V = new Float64Array(capacity * size);
    const V = this.V;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < size; c++) V[i * size + c] = gp.covariance(X, c * dims, gp.X, i * dims);
    }
    // Forward substitution L V = K(X, candidates), a block of candidates at a time.
    for (let from = 0; from < size; from += BLOCK) {
      const to = Math.min(size, from + BLOCK);
      for (let i = 0; i < n; i++) {
        const ri = i * size;
        for (let k = 0; k < i; k++) {
          const lik = L[i * capacity + k]!;
          const rk = k * size;
          for (let c = from; c < to; c++) V[ri + c] = V[ri + c]! - lik * V[rk + c]!;
        }
        const lii = L[i * capacity + i]!;
        for (let c = from; c < to; c++) V[ri + c] = V[ri + c]! / lii;
      }
    }
    this.mean = new Float64Array(size);
    this.variance = new Float64Array(size).fill(gp.params.signal);
    for (let i = 0; i < n; i++) this.#account(i);
  }

  /** Adds row i of V into the means and variances. */
  #account(i: number): void {
    const { V, size, mean, variance } = this;
    const w = this.gp.w[i]!;
    const floor = 1e-12 * this.gp.params.signal;
    for (let c = 0; c < size; c++) {
      const v = V[i * size + c]!;
      mean[c] = mean[c]! + v * w;
      variance[c] = Math.max(variance[c]! - v * v, floor);
    }
  }

  /** Follows `gp.append`, given the L row it returned (its diagonal last). */
  extend(row: Float64Array): void {
    const { gp, V, size, X } = this;
    const dims = gp.layout.dims;
    const last = row.length - 1;
    const at = last * size;
    for (let c = 0; c < size; c++) V[at + c] = gp.covariance(X, c * dims, gp.X, last * dims);
    for (let k = 0; k < last; k++) {
      const lk = row[k]!;
      const rk = k * size;
      for (let c = 0; c < size; c++) V[at + c] = V[at + c]! - lk * V[rk + c]!;
    }
    for (let c = 0; c < size; c++) V[at + c] = V[at + c]! / row[last]!;
    this.#account(last);
  }
}
