import { type Code, ConnectError } from '@connectrpc/connect';
import { grpcStatusOf, KatibError } from '../api/errors.js';

/**
 * The Connect error of anything a handler threw (Connect's codes are gRPC's numbers). The gRPC
 * port maps errors in ServerCall (KatibError) and grpcServiceHandlers (ConnectError).
 */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  const katib = KatibError.from(err);
  return new ConnectError(katib.message, grpcStatusOf(katib.code) as Code, undefined, undefined, err);
}
