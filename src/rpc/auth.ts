/**
 * Optional authentication for the DB manager (off unless a DbManagerAuth is given; Katib's own
 * clients, which send no metadata, keep working then). See docs/security.md.
 *
 * Two kinds of bearer token, sent as `authorization: Bearer <token>` (gRPC metadata or HTTP header):
 * - a trial token, `HMAC-SHA256(secret, "katib-trial:" + trialName)` in base64url: lets its holder
 *   push (ReportObservationLog) for that one trial. The controller hands it to each trial in
 *   KATIB_TRIAL_TOKEN. Nothing is stored: the DB manager recomputes it from the trial name, so
 *   tokens stay valid across restarts as long as the secret does.
 * - the operator token: everything (reads, deletes, the management API, the dashboard, pushes for
 *   any trial). Given by the operator, else derived from the secret (`"katib-operator"`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { KatibError } from '../api/errors.js';

const MAX_CACHED_TOKENS = 10_000;

/** Fewer bytes than this would make tokens guessable. */
export const MIN_SECRET_BYTES = 16;

/** Who a request says it is: a token to check, or none (answered UNAUTHENTICATED where needed). */
export type Bearer = { token: string } | undefined;

export interface DbManagerAuthOptions {
  /** The server secret trial tokens are derived from; at least MIN_SECRET_BYTES. */
  secret: Uint8Array;
  /** The operator token; default derived from the secret (see operatorToken). */
  operatorToken?: string;
}

export class DbManagerAuth {
  readonly #secret: Buffer;
  readonly #operator: Buffer;
  // A trial pushes many times: its expected token is kept (HMAC setup is ~6 us, a lookup ~0.2 us).
  readonly #trialTokens = new Map<string, Buffer>();
  /** The token that may do everything. */
  readonly operatorToken: string;

  constructor(options: DbManagerAuthOptions) {
    const secret = Buffer.from(options.secret);
    if (secret.length < MIN_SECRET_BYTES) {
      throw new KatibError(
        'invalid_argument',
        `auth secret: ${secret.length} bytes is too short: it must have at least ${MIN_SECRET_BYTES} bytes`,
        { field: 'auth secret' },
      );
    }
    const operator = options.operatorToken ?? derive(secret, 'katib-operator');
    if (!TOKEN.test(operator)) {
      throw new KatibError(
        'invalid_argument',
        'operator token: must be 16 to 512 printable characters without spaces',
        { field: 'operator token' },
      );
    }
    this.#secret = secret;
    this.operatorToken = operator;
    this.#operator = Buffer.from(operator);
  }

  /** The token that lets its holder push for `trialName` only. */
  tokenFor(trialName: string): string {
    return derive(this.#secret, `katib-trial:${trialName}`);
  }

  /** True if `bearer` holds the operator token. */
  isOperator(bearer: Bearer): boolean {
    return bearer !== undefined && same(bearer.token, this.#operator);
  }

  /** Throws `unauthenticated` without a token (checked before a request is even decoded). */
  requireToken(bearer: Bearer, what: string): { token: string } {
    if (bearer === undefined) throw missingToken(what);
    return bearer;
  }

  /**
   * Throws `unauthenticated` without a token and `permission_denied` unless the token is the
   * operator token or `trialName`'s trial token.
   */
  requireTrial(bearer: Bearer, trialName: string): void {
    if (bearer === undefined) throw missingToken('ReportObservationLog');
    if (this.isOperator(bearer)) return;
    let expected = this.#trialTokens.get(trialName);
    if (expected === undefined) {
      // Bounded: names come from requests, so a flood of them must not grow memory.
      if (this.#trialTokens.size >= MAX_CACHED_TOKENS) this.#trialTokens.clear();
      expected = Buffer.from(this.tokenFor(trialName));
      this.#trialTokens.set(trialName, expected);
    }
    if (same(bearer.token, expected)) return;
    throw new KatibError(
      'permission_denied',
      `authorization: the bearer token is not valid for trial_name ${JSON.stringify(trialName)}`,
      { field: 'authorization' },
    );
  }

  /** Throws `unauthenticated` without a token and `permission_denied` for any but the operator's. */
  requireOperator(bearer: Bearer, what: string): void {
    if (bearer === undefined) throw missingToken(what);
    if (this.isOperator(bearer)) return;
    throw new KatibError('permission_denied', `authorization: ${what} needs the operator token`, {
      field: 'authorization',
    });
  }
}

/**
 * The bearer token of an `authorization` header value (`Bearer <token>`, scheme case-insensitive),
 * or undefined when there is none. Throws `unauthenticated` for a header of another form.
 */
export function bearerOf(authorization: string | string[] | null | undefined): Bearer {
  const value = Array.isArray(authorization) ? authorization[0] : authorization;
  if (value === undefined || value === null || value === '') return undefined;
  const m = /^Bearer +(\S+) *$/i.exec(value);
  if (!m) {
    throw new KatibError('unauthenticated', 'authorization: the header is not of the form "Bearer <token>"', {
      field: 'authorization',
    });
  }
  return { token: m[1]! };
}

// The characters base64url tokens and reasonable operator-chosen ones use.
const TOKEN = /^[\x21-\x7e]{16,512}$/;

function derive(secret: Buffer, purpose: string): string {
  return createHmac('sha256', secret).update(purpose, 'utf8').digest('base64url');
}

function same(token: string, expected: Buffer): boolean {
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function missingToken(what: string): KatibError {
  return new KatibError(
    'unauthenticated',
    `authorization: ${what} needs a bearer token ("authorization: Bearer <token>"): this DB manager has authentication on`,
    { field: 'authorization' },
  );
}
