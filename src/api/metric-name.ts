/**
 * What a metric name is: the one definition the DB manager's checks and the SDK report client
 * import. Clients that cannot import it (python/katib_push.py, the injected Python and
 * JavaScript clients) are held to it by test/cases/metric-names.json, which every client's tests
 * read.
 *
 * The rule is the storage rule of Katib's `metric_name VARCHAR(255)` column, in every dialect
 * katib-ts stores to: 1 to 255 characters (code points, as MySQL counts them; a lower cap may be
 * configured on the DB manager), with no NUL (PostgreSQL text refuses it) and no unpaired UTF-16
 * surrogate (no UTF-8 column can hold one). Anything else is a name — spaces, `|`, `-`,
 * any Unicode — because a pushed name never passes through a filter. (Names a trial *prints*
 * for the StdOut collector must also match the filter: `[\w|-]+` for Katib's default.)
 * Trial names are held to the same column rule.
 *
 * Kept free of imports: `katib-ts/report` loads it within its 50 ms import budget.
 */

/** Katib's column width, the default cap on a name's length (characters). */
export const MAX_METRIC_NAME_LENGTH = 255;

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this looks for
const UNSTORABLE = /[\u0000\p{Cs}]/u;

/**
 * Why `name` cannot be stored as a name (a rule in words, e.g. "must not be empty"), or
 * undefined when it can. `maxLength` is the DB manager's configured cap (255 by default).
 */
export function metricNameProblem(name: string, maxLength = MAX_METRIC_NAME_LENGTH): string | undefined {
  if (name === '') return 'must not be empty';
  // Code units >= code points, so only a long name needs counting.
  if (name.length > maxLength) {
    const length = countCodePoints(name);
    if (length > maxLength) return `must be at most ${maxLength} characters (has ${length})`;
  }
  if (UNSTORABLE.test(name)) return 'must not contain NUL characters or unpaired UTF-16 surrogates';
  return undefined;
}

function countCodePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
