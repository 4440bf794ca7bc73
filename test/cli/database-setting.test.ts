import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from '../../src/cli/context.js';
import type { Setting } from '../../src/cli/flags.js';
import { parseFlags } from './parse-flags.js';

/** `katib db-manager [--db URL]`'s database, with `env` as the environment. */
async function database(flag: string | undefined, env: Record<string, string>): Promise<Setting> {
  const flags = await parseFlags<{ db: Setting }>(['db-manager', ...(flag ? ['--db', flag] : [])], env);
  return flags.db;
}

describe('--db: which database a command uses', () => {
  const cases: [string, string | undefined, Record<string, string>, { value: string; source: string }][] = [
    [
      '--db wins',
      'sqlite:a.db',
      { KATIB_DB_URL: 'sqlite:b.db', DB_NAME: 'mysql' },
      { value: 'sqlite:a.db', source: '--db' },
    ],
    [
      'then KATIB_DB_URL',
      undefined,
      { KATIB_DB_URL: 'sqlite:b.db', DB_NAME: 'mysql' },
      { value: 'sqlite:b.db', source: 'KATIB_DB_URL' },
    ],
    [
      'then Katib own variables',
      undefined,
      { DB_NAME: 'postgres', DB_USER: 'katib', DB_PASSWORD: 'p' },
      { value: 'postgres://katib:p@katib-postgres:5432/katib?sslmode=disable', source: 'DB_NAME' },
    ],
    ['else an SQLite file here', undefined, {}, { value: 'sqlite:katib.db', source: 'default' }],
    [
      'an empty KATIB_DB_URL counts as unset',
      undefined,
      { KATIB_DB_URL: '' },
      { value: 'sqlite:katib.db', source: 'default' },
    ],
  ];
  for (const [name, flag, env, expected] of cases) {
    it(name, async () => {
      const got = await database(flag, env);
      if (expected.source === 'DB_NAME') {
        assert.equal(got.source, 'DB_NAME');
        assert.match(got.value, /^postgres(ql)?:\/\/katib:p@katib-postgres:5432\/katib/);
      } else assert.deepEqual(got, expected);
    });
  }

  for (const [flag, env, named] of [
    ['oracle://x', {}, '--db'],
    [undefined, { KATIB_DB_URL: 'mongodb://x' }, 'KATIB_DB_URL'],
    [undefined, { DB_NAME: 'oracle' }, 'DB_NAME'],
  ] as const) {
    it(`refuses a bad URL from ${named} with exit 2, naming it`, async () => {
      await assert.rejects(
        database(flag, env),
        (err: unknown) =>
          err instanceof CliError && err.exitCode === 2 && err.message.startsWith(`${named}:`),
      );
    });
  }
});
