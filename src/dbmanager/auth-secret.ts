/**
 * Where the auth secret comes from (docs/security.md): a file the operator gives, else one
 * generated once and kept in the database itself, table `katib_ts_auth_secret`, so that every
 * restart, and every process sharing the database (db-manager, server, katib run resuming an
 * experiment), derives the same trial tokens: a resumed experiment's running trials keep theirs.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { invalidArgument, KatibError } from '../api/errors.js';
import { DbManagerAuth, MIN_SECRET_BYTES } from '../rpc/auth.js';

/**
 * The secret in `file` (its bytes, surrounding whitespace trimmed). Throws `invalid_argument`
 * naming `field` when it cannot be read or is shorter than MIN_SECRET_BYTES.
 */
export async function readAuthSecretFile(file: string, field: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw invalidArgument(field, file, `cannot be read: ${(err as Error).message}`);
  }
  const text = bytes.toString('utf8').trim();
  if (Buffer.byteLength(text) < MIN_SECRET_BYTES)
    throw invalidArgument(field, file, `must hold a secret of at least ${MIN_SECRET_BYTES} bytes`);
  return Buffer.from(text, 'utf8');
}

interface SecretTables {
  katib_ts_auth_secret: { name: string; secret: string };
}

const TABLE = 'katib_ts_auth_secret';
const NAME = 'trial-tokens';

/**
 * The secret kept in the database, generated (32 random bytes) and stored on first use. Safe when
 * several processes start at once: whoever inserts first wins, the others read it back.
 * `kysely` is any katib-ts database's (Database.kysely). Throws `unavailable` on a database fault.
 */
export async function storedAuthSecret<T>(kysely: Kysely<T>): Promise<Buffer> {
  const db = kysely as unknown as Kysely<SecretTables>;
  try {
    const read = () => db.selectFrom(TABLE).select('secret').where('name', '=', NAME).executeTakeFirst();
    try {
      await db.schema
        .createTable(TABLE)
        .ifNotExists()
        .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('secret', 'varchar(255)', (c) => c.notNull())
        .execute();
    } catch (err) {
      // PostgreSQL's IF NOT EXISTS races with another process creating the table at the same
      // moment (a unique violation in its catalog): the table is there all the same.
      await read().catch(() => {
        throw err;
      });
    }
    const found = await read();
    if (found) return Buffer.from(found.secret, 'utf8');
    const secret = randomBytes(32).toString('base64url');
    try {
      await db.insertInto(TABLE).values({ name: NAME, secret }).execute();
    } catch (err) {
      // Another process inserted first (duplicate key): use theirs.
      const theirs = await read();
      if (theirs) return Buffer.from(theirs.secret, 'utf8');
      throw err;
    }
    return Buffer.from(secret, 'utf8');
  } catch (err) {
    throw new KatibError(
      'unavailable',
      `auth secret: cannot keep it in the database (${(err as Error).message}); give one with --auth-secret-file`,
      { cause: err },
    );
  }
}

/** How to set authentication up: both optional (docs/security.md). */
export interface AuthSettings {
  /** The secret (e.g. readAuthSecretFile's); default the one kept in the database. */
  secret?: Uint8Array;
  /** The operator token; default derived from the secret. */
  operatorToken?: string;
}

/** The DbManagerAuth for `settings`, taking the secret from the database when none is given. */
export async function openAuth<T>(settings: AuthSettings, kysely: Kysely<T>): Promise<DbManagerAuth> {
  const secret = settings.secret ?? (await storedAuthSecret(kysely));
  return new DbManagerAuth({
    secret,
    ...(settings.operatorToken !== undefined ? { operatorToken: settings.operatorToken } : {}),
  });
}
