/**
 * What a metric value is: the one definition every TypeScript part imports (the DB manager's
 * checks, the collector, the SDK report client, suggestion, early stopping, injection). Clients
 * that cannot import it (python/katib_push.py, the injected Python and JavaScript clients) are
 * held to it by test/cases/metric-values.json, which every client's tests read.
 *
 * Katib keeps a value as text (`observation_logs.value TEXT`) and its controller reads it with
 * Go's strconv.ParseFloat when it computes min/max; a text that does not parse is kept but never
 * counted. Its default StdOut filter captures `[+-]?\d*(\.\d+)?([Ee][+-]?\d+)?`. So there are
 * two questions, answered here once each:
 *
 * - **Stored** (`isStoredMetricValue`, the DB manager's rule on the wire): a decimal number
 *   (sign, digits, optional fraction or a fraction alone, optional exponent), the NaN and
 *   infinity spellings that Python, Go and JavaScript print (`nan`, `NaN`, `inf`, `+Inf`,
 *   `-Infinity`, any case), or Katib's marker `unavailable`; at most 1,024 characters. Katib's
 *   own clients send these (its Python SDK sends `str(float(v))`, so `nan` and `inf`), and
 *   refusing one would fail a trial Katib would have run.
 * - **Counted** (`parseMetricNumber`, what min/max, goals, early stopping and the suggesters
 *   compare): a decimal that fits a float64, or an infinity spelling — what ParseFloat returns
 *   without error — except NaN, which would poison every comparison. `1e999` is refused as
 *   ParseFloat refuses it (ErrRange): it is not the infinity a trial means when it prints `inf`.
 *   Hex (`0x10`), digit separators (`1_000`), surrounding spaces, `%` and empty text are never
 *   numbers: no printer writes them for a number and Katib's filter does not capture them.
 *
 * A katib-ts client **sends** a value only when it is both stored and counted
 * (`isReportedMetricValue`): it refuses NaN, `1e999` and `unavailable` in the trial, where the
 * mistake is, instead of storing a value nobody will ever count.
 *
 * Kept free of imports: `katib-ts/report` loads it within its 50 ms import budget.
 */

/** Longest value the DB manager stores (characters). */
export const MAX_METRIC_VALUE_LENGTH = 1024;

/** Katib's marker for a metric that was never reported (stored, never counted). */
export const UNAVAILABLE_METRIC_VALUE = 'unavailable';

/** The stored rule in words, for error messages. */
export const STORED_VALUE_RULE = `must be a number (e.g. 0.93, -1e-3, nan, inf) or "${UNAVAILABLE_METRIC_VALUE}"`;

/** The sent rule in words, for error messages. */
export const REPORTED_VALUE_RULE =
  'is not a number (a decimal such as 0.93 or -1e-3 within float64 range, or inf; NaN is refused)';

// Decimal or exponent notation, and the NaN/infinity spellings Python, Go and JavaScript print.
const STORED = /^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?|nan|inf(?:inity)?)$/i;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^([+-]?)inf(?:inity)?$/i;

/** Whether the DB manager stores `text` as a metric value (see the module comment). */
export function isStoredMetricValue(text: string): boolean {
  return text === UNAVAILABLE_METRIC_VALUE || (text.length <= MAX_METRIC_VALUE_LENGTH && STORED.test(text));
}

/**
 * The number a metric value stands for when it is counted (see the module comment), or
 * undefined when it is not a number: NaN, out of float64 range, or not a number's spelling.
 */
export function parseMetricNumber(text: string): number | undefined {
  if (DECIMAL.test(text)) {
    const n = Number(text);
    return Number.isFinite(n) ? n : undefined;
  }
  const inf = INFINITY.exec(text);
  if (inf) return inf[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return undefined;
}

/** Whether a katib-ts client sends `text`: stored and counted (see the module comment). */
export function isReportedMetricValue(text: string): boolean {
  return text.length <= MAX_METRIC_VALUE_LENGTH && parseMetricNumber(text) !== undefined;
}
