/**
 * Katib keeps feasible-space bounds as strings and its suggestion services parse them with
 * Go's strconv and Python's int()/float(); these accept the forms both agree on.
 */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/** The number a decimal string denotes, or undefined (also for "inf", "NaN", hex and blanks). */
export function parseDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** The integer an integer string denotes (no decimal point, no exponent), or undefined. */
export function parseInteger(text: string): number | undefined {
  if (!INTEGER.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}
