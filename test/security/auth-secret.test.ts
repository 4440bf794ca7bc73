/**
 * Where the auth secret lives: a file, or generated once and kept in the database, on every
 * dialect, so that trial tokens survive a restart and agree between processes sharing a database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openAuth, readAuthSecretFile } from '../../src/dbmanager/index.js';
import { openDatabase } from '../../src/store/index.js';
import { testDatabases } from '../support/databases.js';

for (const database of await testDatabases()) {
  describe(`auth secret kept in the database: ${database.label}`, { skip: database.skipReason }, () => {
    if (database.skipReason !== undefined) return;

    it('is generated once; a restart (a new process on the same database) derives the same tokens', async () => {
      const url = await database.fresh();
      const first = await openDatabase(url, { connectTimeoutSeconds: 10 });
      const before = await openAuth({}, first.kysely);
      await first.close();
      const again = await openDatabase(url, { connectTimeoutSeconds: 10 });
      try {
        const after = await openAuth({}, again.kysely);
        assert.equal(after.tokenFor('trial-1'), before.tokenFor('trial-1'));
        assert.equal(after.operatorToken, before.operatorToken);
        assert.notEqual(after.tokenFor('trial-2'), before.tokenFor('trial-1'));
      } finally {
        await again.close();
      }
    });

    it('two processes starting at once on a new database agree on one secret', async () => {
      const url = await database.fresh();
      const a = await openDatabase(url, { connectTimeoutSeconds: 10 });
      const b = await openDatabase(url, { connectTimeoutSeconds: 10 });
      try {
        const [x, y] = await Promise.all([openAuth({}, a.kysely), openAuth({}, b.kysely)]);
        assert.equal(x.tokenFor('t'), y.tokenFor('t'));
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('a given secret or operator token wins over the stored one', async () => {
      const db = await openDatabase(await database.fresh(), { connectTimeoutSeconds: 10 });
      try {
        const stored = await openAuth({}, db.kysely);
        const given = await openAuth(
          { secret: Buffer.from('given secret given secret'), operatorToken: 'my-operator-token-123' },
          db.kysely,
        );
        assert.notEqual(given.tokenFor('t'), stored.tokenFor('t'));
        assert.equal(given.operatorToken, 'my-operator-token-123');
      } finally {
        await db.close();
      }
    });
  });
}

describe('auth secret file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'katib-secret-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is read trimmed; a short, missing file is invalid_argument naming the field and the path', async () => {
    const file = join(dir, 'secret');
    writeFileSync(file, '  0123456789abcdef0123  \n');
    assert.equal((await readAuthSecretFile(file, '--auth-secret-file')).toString(), '0123456789abcdef0123');
    writeFileSync(file, 'short\n');
    await assert.rejects(readAuthSecretFile(file, '--auth-secret-file'), {
      code: 'invalid_argument',
      message: `--auth-secret-file: ${JSON.stringify(file)} must hold a secret of at least 16 bytes`,
    });
    await assert.rejects(readAuthSecretFile(join(dir, 'none'), 'KATIB_AUTH_SECRET_FILE'), {
      code: 'invalid_argument',
      message: /^KATIB_AUTH_SECRET_FILE: ".*none" cannot be read: ENOENT/,
    });
  });
});
