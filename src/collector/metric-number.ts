// A decimal float as Go's strconv.ParseFloat reads it (what Katib uses to decide whether a stored
// value counts for min/max), plus its Inf/Infinity spellings. NaN is refused on purpose: it would
// poison every comparison. Hex floats and digit separators are not accepted. A decimal too large
// for a float64 (`1e999`) is refused as ParseFloat refuses it (ErrRange): it is not the infinity
// a trial means when it prints `inf`.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^([+-]?)inf(?:inity)?$/i;

/** The number a metric value string stands for, or undefined when it is not a number. */
export function parseMetricNumber(text: string): number | undefined {
  if (DECIMAL.test(text)) {
    const n = Number(text);
    return Number.isFinite(n) ? n : undefined;
  }
  const inf = INFINITY.exec(text);
  if (inf) return inf[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return undefined;
}
