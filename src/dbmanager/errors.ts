import { type Code, ConnectError } from '@connectrpc/connect';
import type { StatusObject } from '@grpc/grpc-js';
import { grpcStatusOf, KatibError } from '../api/errors.js';

/** The gRPC status of anything a handler threw: a KatibError keeps its code and message. */
export function toGrpcStatus(err: unknown): Pick<StatusObject, 'code' | 'details'> {
  const katib = KatibError.from(err);
  return { code: grpcStatusOf(katib.code), details: katib.message };
}

/** The Connect error of anything a handler threw (Connect's codes are gRPC's numbers). */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  const katib = KatibError.from(err);
  return new ConnectError(katib.message, grpcStatusOf(katib.code) as Code, undefined, undefined, err);
}
