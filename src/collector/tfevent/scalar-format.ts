/**
 * How a metric value read from an event file is written as text: the shortest decimal that reads
 * back as the same number at the precision it was stored in (float32 or float64), as numpy and
 * Python print them, so `0.1f` is stored as `0.1` and not as `0.10000000149011612`. Non-finite
 * values are `nan`, `inf` and `-inf`, as Katib's Python collector writes them.
 */
export function formatScalar(value: number, precision: 'float32' | 'float64'): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  if (precision === 'float64') return String(value);
  for (let digits = 1; digits <= 9; digits++) {
    const text = value.toPrecision(digits);
    if (Math.fround(Number(text)) === value) return String(Number(text));
  }
  return String(value);
}

/** An IEEE 754 half-precision number from its 16 bits (TensorFlow keeps DT_HALF in `half_val`). */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
