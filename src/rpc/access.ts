import type { DescMethod } from '@bufbuild/protobuf';
import type { Interceptor } from '@connectrpc/connect';
import { bearerOf, type DbManagerAuth } from './auth.js';

/**
 * Who may call a method when auth is on (docs/security.md):
 * - `open`: anyone (health);
 * - `trial`: the token of the trial the request names in `trial_name`, or the operator token
 *   (pushes);
 * - `operator`: the operator token only (reads, deletes, the management API).
 */
export type Access = 'open' | 'trial' | 'operator';

/** The access rule of each method of a service, by the method's local name (`reportObservationLog`). */
export type AccessRules = Readonly<Record<string, Access>>;

/**
 * The first half of the access check, on what arrives before the request message is decoded:
 * `open` passes; `operator` is checked whole; `trial` needs a token (`unauthenticated`
 * without one) and returns it for admitTrial. `what` names the call in error messages.
 */
export function admit(
  auth: DbManagerAuth,
  access: Access,
  what: string,
  authorization: string | string[] | null | undefined,
): { token: string } | undefined {
  if (access === 'open') return undefined;
  const bearer = bearerOf(authorization);
  if (access === 'operator') {
    auth.requireOperator(bearer, what);
    return undefined;
  }
  return auth.requireToken(bearer, what);
}

/** The second half for `trial` access, once the request's trial name is known. */
export function admitTrial(auth: DbManagerAuth, bearer: { token: string }, trialName: string): void {
  auth.requireTrial(bearer, trialName);
}

/**
 * The access check as an interceptor, the same on both ports: `rules` by method local name; a
 * method without a rule needs the operator token. Runs after the request message is decoded
 * (Connect decodes before interceptors), so `trial` access reads `trial_name` from it.
 */
export function accessInterceptor(auth: DbManagerAuth, rules: AccessRules): Interceptor {
  const accessOf = (method: DescMethod): Access => rules[method.localName] ?? 'operator';
  return (next) => async (req) => {
    const access = accessOf(req.method);
    const bearer = admit(auth, access, req.method.name, req.header.get('authorization'));
    if (bearer !== undefined) {
      const trialName = req.stream ? '' : String((req.message as { trialName?: unknown }).trialName ?? '');
      admitTrial(auth, bearer, trialName);
    }
    return next(req);
  };
}
