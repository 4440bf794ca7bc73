import type { Interceptor } from '@connectrpc/connect';
import type { Logger } from 'pino';
import { KatibError } from '../api/errors.js';

/**
 * Logs each call that fails, then lets the error through unchanged: `internal` (a fault of the
 * server) at error level with the error, anything else (the client's request refused) at info
 * with its code and message.
 */
export function logFailures(logger: Logger): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (err) {
      const katib = KatibError.from(err);
      const method = req.method.name;
      if (katib.code === 'internal') logger.error({ err, method }, `${method} failed`);
      else logger.info({ code: katib.code, message: katib.message, method }, `${method} refused`);
      throw err;
    }
  };
}
