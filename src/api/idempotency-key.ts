import { invalidArgument } from './errors.js';

/**
 * The request metadata (gRPC) / HTTP header (Connect JSON) that names one push, so that the DB
 * manager stores a retried push once. Optional: a push without it (Katib's own clients) is
 * stored every time it arrives, as in Katib.
 */
export const IDEMPOTENCY_KEY_HEADER = 'katib-idempotency-key';

export const IDEMPOTENCY_KEY_RULE =
  'must be 1 to 128 characters, each a letter, a digit or one of . _ : - (an idempotency key)';

const KEY = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The idempotency key of a request from its header value(s): undefined when the header is absent,
 * the key when it follows the rule, else throws `invalid_argument` naming the header, the value and
 * the rule. A header sent twice (an array, or values joined with ", ") breaks the rule.
 */
export function readIdempotencyKey(value: string | readonly string[] | null | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = typeof value === 'string' ? value : value.join(', ');
  if (!KEY.test(text)) throw invalidArgument(IDEMPOTENCY_KEY_HEADER, text, IDEMPOTENCY_KEY_RULE);
  return text;
}
