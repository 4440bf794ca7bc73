import type { Kysely, Transaction } from 'kysely';
import { isDroppedConnection } from './db-errors.js';
import type { KatibTables } from './schema.js';
import { POOL_SIZE } from './server-connection.js';

// Pools notice that the server dropped a connection only when they use it, so the calls after a
// database restart (or a KILL) can fail on dead connections, one per pooled connection; the pool
// discards each. These helpers repeat such a call, where repeating is safe, until it reaches a
// live or fresh connection. A connection that cannot be made at all is not retried here: the
// database is down and the caller hears `unavailable` at once.
const MAX_ATTEMPTS = POOL_SIZE + 1;

/** Runs `call`, again while it fails on dropped pooled connections. Only for calls safe to repeat (reads). */
export async function retryDropped<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !isDroppedConnection(err)) throw err;
    }
  }
}

/**
 * Runs `work` in a transaction. A transaction that fails on a dropped connection before its COMMIT
 * was sent cannot have committed, so it is run again on another connection; a failure during
 * COMMIT is reported and never repeated, since the work may be stored.
 */
export async function transactionRetryingDropped<T>(
  kysely: Kysely<KatibTables>,
  work: (trx: Transaction<KatibTables>) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let trx: Awaited<ReturnType<ReturnType<Kysely<KatibTables>['startTransaction']>['execute']>>;
    try {
      trx = await kysely.startTransaction().execute();
    } catch (err) {
      if (attempt < MAX_ATTEMPTS && isDroppedConnection(err)) continue;
      throw err;
    }
    let result: T;
    try {
      result = await work(trx);
    } catch (err) {
      await trx
        .rollback()
        .execute()
        .catch(() => {});
      if (attempt < MAX_ATTEMPTS && isDroppedConnection(err)) continue;
      throw err;
    }
    try {
      await trx.commit().execute();
      return result;
    } catch (err) {
      // Kysely keeps the connection when COMMIT fails; rollback releases it.
      await trx
        .rollback()
        .execute()
        .catch(() => {});
      throw err;
    }
  }
}
