import { type RandomGenerator, unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';

/** The seed used when an experiment gives no `random_state`. */
export const DEFAULT_RANDOM_STATE = '20240229';

/**
 * A seeded random source for one suggest call. It advances in place, but lives only as long
 * as the call that made it: suggesters stay stateless because every call re-derives its seed
 * from the request (see seedFor).
 */
export class Rng {
  readonly #gen: RandomGenerator;

  constructor(seed: number) {
    this.#gen = xoroshiro128plus(seed | 0);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  float(): number {
    return unsafeUniformIntDistribution(0, 2 ** 53 - 1, this.#gen) / 2 ** 53;
  }

  /** Uniform integer in [from, to], both inclusive. */
  int(from: number, to: number): number {
    return unsafeUniformIntDistribution(from, to, this.#gen);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.float(); // (0, 1]: log(0) never happens
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }
}

export interface SeedParts {
  /** Keeps algorithms that share a random_state from drawing the same numbers. */
  algorithm: string;
  /** The `random_state` setting as given (a non-negative integer string), or undefined. */
  randomState?: string | undefined;
  /** How many trials the history holds: a growing history gives fresh draws. */
  historyLength: number;
  /** Optional extra part, e.g. a retry round, to get an independent stream. */
  stream?: number;
}

/**
 * A 32-bit seed from random_state (or DEFAULT_RANDOM_STATE), the algorithm name and the
 * history length. Equal requests get equal seeds; the history length, not the trial names,
 * goes in so that two runs with the same random_state suggest the same assignments.
 */
export function seedFor(parts: SeedParts): number {
  const state = parts.randomState === undefined ? DEFAULT_RANDOM_STATE : BigInt(parts.randomState).toString();
  return fmix32(
    fnv1a(`${parts.algorithm}\u0000${state}\u0000${parts.historyLength}\u0000${parts.stream ?? 0}`),
  );
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** MurmurHash3's finalizer: spreads every input bit over the whole seed. */
function fmix32(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}
