/** A plain decimal number as Katib's YAML and trial assignments write them (no hex, no inf). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The number a decimal string denotes, or undefined when it is not one (or not finite). */
export function parseDecimal(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/** Decimal places a decimal string carries (`0.25` -> 2, `1e-3` -> 3, `2.5e-7` -> 8, `10` -> 0). */
export function decimalPlaces(text: string): number {
  const match = /^[+-]?\d*(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (match === null) return 0;
  const fraction = match[1]?.length ?? 0;
  const exponent = match[2] === undefined ? 0 : Number(match[2]);
  return Math.max(0, fraction - exponent);
}

/**
 * Rounds away binary noise (`0.1 + 2 * 0.1`) to the given decimal places. Only used where the
 * true value is known to have at most that many places: step points of a double.
 */
export function roundTo(value: number, decimals: number | undefined): number {
  if (decimals === undefined || decimals > 100) return value;
  const rounded = Number(value.toFixed(decimals));
  return rounded + 0; // turns -0 into 0
}
