import type { Rng } from '../rng.js';
import { JOE_KUO } from './joe-kuo.js';

/** Bits of every coordinate: points are multiples of 2^-32, indices below 2^32. */
const BITS = 32;
const SCALE = 2 ** -BITS;

/** The most dimensions the direction-number table covers. */
export const SOBOL_MAX_DIMENSIONS = JOE_KUO.length + 1;

/** The largest index a point can have. */
export const SOBOL_MAX_INDEX = 2 ** BITS - 1;

/**
 * The 32 direction numbers of a dimension (0-based), most significant first: v[j] is the
 * integer whose top j+1 bits are the direction number m_{j+1} / 2^{j+1}.
 */
export function directionNumbers(dimension: number): Uint32Array {
  const v = new Uint32Array(BITS);
  if (dimension === 0) {
    for (let j = 0; j < BITS; j++) v[j] = 2 ** (BITS - 1 - j);
    return v;
  }
  const row = JOE_KUO[dimension - 1];
  if (row === undefined) throw new RangeError(`Sobol dimension ${dimension} is beyond the table`);
  const [s = 0, a = 0] = row;
  for (let j = 0; j < s; j++) v[j] = row[2 + j]! * 2 ** (BITS - 1 - j);
  for (let j = s; j < BITS; j++) {
    let x = v[j - s]! ^ (v[j - s]! >>> s);
    for (let k = 1; k < s; k++) if ((a >>> (s - 1 - k)) & 1) x ^= v[j - k]!;
    v[j] = x >>> 0;
  }
  return v;
}

/**
 * A Sobol sequence in `dimensions` dimensions, optionally scrambled. Any point is computed
 * directly from its index (through the index's Gray code), so the sequence needs no state
 * between points.
 *
 * Scrambling is Matousek's linear matrix scramble plus a digital shift (what scipy's
 * `qmc.Sobol(scramble=True)` does): each dimension's direction numbers are multiplied by a
 * random lower-triangular bit matrix with a unit diagonal, and every point is XORed with a
 * random shift. The result keeps the sequence's low discrepancy but no longer starts at the
 * corner 0 or lines points up on the dyadic grid.
 */
export class SobolSequence {
  readonly dimensions: number;
  /** [dimension][bit] direction numbers, scrambled when asked. */
  readonly #v: Uint32Array;
  readonly #shift: Uint32Array;

  constructor(dimensions: number, scramble?: Rng) {
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > SOBOL_MAX_DIMENSIONS) {
      throw new RangeError(`Sobol dimensions must be 1..${SOBOL_MAX_DIMENSIONS}, got ${dimensions}`);
    }
    this.dimensions = dimensions;
    this.#v = new Uint32Array(dimensions * BITS);
    this.#shift = new Uint32Array(dimensions);
    for (let d = 0; d < dimensions; d++) {
      const v = directionNumbers(d);
      if (scramble !== undefined) {
        const rows = scrambleMatrix(scramble);
        for (let j = 0; j < BITS; j++) v[j] = multiply(rows, v[j]!);
        this.#shift[d] = random32(scramble);
      }
      this.#v.set(v, d * BITS);
    }
  }

  /** The point at `index` (0 <= index < 2^32) into `out[0..dimensions)`, each in [0, 1). */
  point(index: number, out: Float64Array): void {
    if (!Number.isInteger(index) || index < 0 || index > SOBOL_MAX_INDEX) {
      throw new RangeError(`Sobol index must be 0..${SOBOL_MAX_INDEX}, got ${index}`);
    }
    const gray = (index ^ Math.floor(index / 2)) >>> 0;
    for (let d = 0; d < this.dimensions; d++) {
      let x = this.#shift[d]!;
      for (let j = 0; j < BITS; j++) if ((gray >>> j) & 1) x ^= this.#v[d * BITS + j]!;
      out[d] = (x >>> 0) * SCALE;
    }
  }
}

/**
 * Rows of a random lower-triangular bit matrix with a unit diagonal, as masks: row i (output
 * bit i counted from the most significant) has bit i set and random bits above it.
 */
function scrambleMatrix(rng: Rng): Uint32Array {
  const rows = new Uint32Array(BITS);
  for (let i = 0; i < BITS; i++) {
    const diagonal = 2 ** (BITS - 1 - i);
    const above = i === 0 ? 0 : (0xffffffff - (2 * diagonal - 1)) >>> 0;
    rows[i] = ((random32(rng) & above) | diagonal) >>> 0;
  }
  return rows;
}

/** The bit matrix (rows as masks) times the bit vector x, over GF(2). */
function multiply(rows: Uint32Array, x: number): number {
  let y = 0;
  for (let i = 0; i < BITS; i++) {
    if (parity((rows[i]! & x) >>> 0)) y |= (2 ** (BITS - 1 - i)) | 0;
  }
  return y >>> 0;
}

function parity(x: number): number {
  let v = x;
  v ^= v >>> 16;
  v ^= v >>> 8;
  v ^= v >>> 4;
  v ^= v >>> 2;
  v ^= v >>> 1;
  return v & 1;
}

function random32(rng: Rng): number {
  return rng.int(0, 0xffffffff) >>> 0;
}
