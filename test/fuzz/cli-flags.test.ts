/**
 * CLI flags under fuzzing. In-process, for many values: the parsing functions behind the numeric,
 * port, duration, limit and database flags either give a value that keeps their rule or end with
 * exit code 2 and one line naming the flag (or its environment variable). Spawned
 * (dist/cli/main.js, run `npm run build` first), for a handful: the whole command exits 2 with
 * exactly one line on stderr, before opening anything.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { CliError } from '../../src/cli/context.js';
import { byteSize, wholeNumber } from '../../src/cli/limit-settings.js';
import { listenAddress, positiveSeconds } from '../../src/cli/options.js';
import { LIMIT_RANGES } from '../../src/dbmanager/index.js';
import { tryParseHostPort } from '../../src/rpc/index.js';
import { parseFlags } from '../cli/parse-flags.js';
import { fuzzParams } from './support.js';

/** Values a user could type: numbers in every spelling, ports, sizes, junk. */
const flagValue: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -10, max: 70_000 }).map(String),
  fc.double().map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-0',
    '1',
    '0x10',
    '0b1',
    '1e3',
    '1e400',
    '1e-400',
    'Infinity',
    'NaN',
    '1_000',
    '10s',
    '4MiB',
    '4 MiB',
    '4mib',
    '1GiB',
    '2GiB',
    '4MB',
    '١٢',
    '007',
    '9007199254740993',
    '2147483.647',
    '2147484',
    '127.0.0.1:6789',
    '[::1]:0',
    '0.0.0.0:65536',
    'localhost:-1',
    ':80',
    'host:80:90',
    '[fe80::1%eth0]:80',
    'off',
  ),
  fc.string({ maxLength: 12, unit: 'binary' }),
);

/** Runs a parser: its value, or the CliError it ends with (anything else fails the test). */
function attempt<T>(parse: () => T): { value: T } | { error: CliError } {
  try {
    return { value: parse() };
  } catch (err) {
    assert.ok(err instanceof CliError, `not a CliError: ${(err as Error)?.stack ?? String(err)}`);
    return { error: err };
  }
}

/** `attempt` for a command line parsed in-process (test/cli/parse-flags.ts). */
async function attemptParse(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ value: Record<string, unknown> } | { error: CliError }> {
  try {
    return { value: await parseFlags(argv, env) };
  } catch (err) {
    assert.ok(err instanceof CliError, `not a CliError: ${(err as Error)?.stack ?? String(err)}`);
    return { error: err };
  }
}

/** Exit 2, one line, starting with the flag's (or variable's) name. */
function assertUsage(error: CliError, name: string): void {
  assert.equal(error.exitCode, 2, error.message);
  assert.ok(!error.message.includes('\n'), `more than one line: ${error.message}`);
  assert.ok(error.message.startsWith(`${name}: `), error.message);
}

describe('flag parser regressions', () => {
  it('--db-connect-timeout refuses hex and binary (were read as 16 s and 1 s) and waits a timer cannot hold (ended at once)', () => {
    for (const value of ['0x10', '0b1', '0o7', '1e10', '2147484', 'Infinity']) {
      const r = attempt(() => positiveSeconds({ value, source: '--db-connect-timeout' }));
      assert.ok('error' in r, value);
      assertUsage(r.error, '--db-connect-timeout');
      assert.match(r.error.message, /must be a positive number of seconds, at most 2147483$/);
    }
    for (const [value, seconds] of [
      [' 30 ', 30],
      ['1e3', 1000],
      ['.5', 0.5],
      ['2147483', 2147483],
    ] as const) {
      assert.deepEqual(
        attempt(() => positiveSeconds({ value, source: '--db-connect-timeout' })),
        { value: seconds },
      );
    }
  });
});

describe('flag parsers under fuzzing (in-process)', () => {
  it('--db-connect-timeout: a positive number of seconds a timer can hold, or exit 2 naming it', () => {
    fc.assert(
      fc.property(flagValue, (value) => {
        const r = attempt(() => positiveSeconds({ value, source: '--db-connect-timeout' }));
        if ('error' in r) assertUsage(r.error, '--db-connect-timeout');
        else assert.ok(r.value > 0 && r.value * 1000 <= 2 ** 31 - 1 && Number.isFinite(r.value), value);
      }),
      fuzzParams(1500),
    );
  });

  it('--listen/--http-listen: HOST:PORT that parses again to itself, or exit 2 naming it', () => {
    fc.assert(
      fc.property(flagValue, fc.string({ maxLength: 8 }), (port, host) => {
        for (const value of [port, `${host}:${port}`, `[${host}]:${port}`]) {
          const r = attempt(() => listenAddress({ value, source: '--listen' }));
          if ('error' in r) assertUsage(r.error, '--listen');
          else {
            const at = tryParseHostPort(r.value);
            assert.ok(
              at !== undefined && at.port >= 0 && at.port <= 65535 && Number.isInteger(at.port),
              r.value,
            );
          }
        }
      }),
      fuzzParams(1000),
    );
  });

  it('limit flags: whole numbers (sizes for --max-message-bytes) in range, or exit 2 naming the flag', () => {
    const keys = Object.keys(LIMIT_RANGES) as (keyof typeof LIMIT_RANGES)[];
    fc.assert(
      fc.property(flagValue, fc.constantFrom(...keys), (value, key) => {
        const parse = key === 'maxMessageBytes' ? byteSize : wholeNumber;
        const r = attempt(() => parse({ value, source: '--flag' }, key));
        if ('error' in r) assertUsage(r.error, '--flag');
        else {
          const { min, max } = LIMIT_RANGES[key];
          assert.ok(
            Number.isSafeInteger(r.value) && r.value >= min && r.value <= max,
            `${key} ${value} -> ${r.value}`,
          );
        }
      }),
      fuzzParams(2000),
    );
  });

  it('limits from flags, else environment variables: a bad one is named by where it came from', async () => {
    const flags = [
      'maxMessageBytes',
      'maxMetricLogs',
      'maxNameLength',
      'maxConnections',
      'maxConcurrentStreams',
      'idempotencyKeyRetention',
    ] as const;
    const names: Record<(typeof flags)[number], [string, string]> = {
      maxMessageBytes: ['--max-message-bytes', 'KATIB_MAX_MESSAGE_BYTES'],
      maxMetricLogs: ['--max-metric-logs', 'KATIB_MAX_METRIC_LOGS'],
      maxNameLength: ['--max-name-length', 'KATIB_MAX_NAME_LENGTH'],
      maxConnections: ['--max-connections', 'KATIB_MAX_CONNECTIONS'],
      maxConcurrentStreams: ['--max-concurrent-streams', 'KATIB_MAX_CONCURRENT_STREAMS'],
      idempotencyKeyRetention: ['--idempotency-key-retention', 'KATIB_IDEMPOTENCY_KEY_RETENTION'],
    };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...flags), flagValue, fc.boolean(), async (flag, value, viaEnv) => {
        const [flagName, envName] = names[flag];
        const r = viaEnv
          ? await attemptParse(['db-manager'], { [envName]: value })
          : await attemptParse(['db-manager', `${flagName}=${value}`]);
        // An empty environment variable counts as unset (the default).
        if ('error' in r) assertUsage(r.error, viaEnv ? envName : flagName);
        else for (const f of flags) assert.ok(Number.isSafeInteger(r.value[f]) && Number(r.value[f]) > 0);
      }),
      fuzzParams(1500),
    );
  });

  it('--listen, --http-listen, --db-connect-timeout: every bad one is named; good ones are normalised', async () => {
    const names = {
      listen: '--listen',
      httpListen: '--http-listen',
      dbConnectTimeout: '--db-connect-timeout',
    };
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          { listen: flagValue, httpListen: flagValue, dbConnectTimeout: flagValue },
          { requiredKeys: [] },
        ),
        async (flags) => {
          const args = Object.entries(flags).map(([k, v]) => `${names[k as keyof typeof names]}=${v}`);
          const r = await attemptParse(['db-manager', ...args]);
          if ('error' in r) assert.match(r.error.message, /^--(listen|http-listen|db-connect-timeout): /);
          else assert.ok(Number(r.value.dbConnectTimeout) > 0);
        },
      ),
      fuzzParams(1000),
    );
  });

  it('--db: a URL it accepts, or exit 2 naming --db (or the variable it came from)', async () => {
    const url = fc.oneof(
      fc.string({ maxLength: 30, unit: 'binary' }),
      fc
        .tuple(
          fc.constantFrom('sqlite:', 'mysql://', 'postgres://', 'postgresql://', 'http://', 'SQLITE:', ''),
          fc.string({ maxLength: 40, unit: 'binary' }),
        )
        .map(([scheme, rest]) => scheme + rest),
      fc.webUrl().map((u) => u.replace(/^https?/, 'mysql')),
      fc.constantFrom(
        'mysql://u:p@h:99999/db',
        'postgres://h/db?sslmode=bogus',
        'mysql://%zz@h/db',
        'sqlite:',
      ),
    );
    await fc.assert(
      fc.asyncProperty(url, fc.boolean(), async (value, viaEnv) => {
        const r = viaEnv
          ? await attemptParse(['db-manager'], { KATIB_DB_URL: value })
          : await attemptParse(['db-manager', `--db=${value}`]);
        if ('error' in r) assertUsage(r.error, viaEnv ? 'KATIB_DB_URL' : '--db');
      }),
      fuzzParams(1500),
    );
  });
});

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

function runBuilt(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const base = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(KATIB_|DB_|SKIP_DB_)/.test(k)),
    );
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('exit', (code) => resolve({ code, stderr, stdout }));
  });
}

describe('katib (built) with bad flag values', {
  skip: existsSync(MAIN) ? false : 'dist/cli/main.js is missing: npm run build',
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'katib-fuzz-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const FREE = ['--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--db', 'sqlite:never.db'];
  const cases: { args: string[]; env?: Record<string, string>; names: string }[] = [
    { args: ['db-manager', ...FREE, '--max-connections', '0'], names: '--max-connections' },
    {
      args: ['db-manager', ...FREE],
      env: { KATIB_MAX_CONCURRENT_STREAMS: '1e3' },
      names: 'KATIB_MAX_CONCURRENT_STREAMS',
    },
    { args: ['server', ...FREE, '--max-name-length', '256'], names: '--max-name-length' },
    { args: ['server', ...FREE, '--db-connect-timeout', '1e10'], names: '--db-connect-timeout' },
    {
      args: ['run', 'missing.yaml', '--db', 'sqlite:never.db', '--max-metric-logs', '-1'],
      names: '--max-metric-logs',
    },
  ];
  for (const { args, env = {}, names } of cases) {
    it(`${args.filter((a) => !FREE.includes(a)).join(' ')} ${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}: exit 2, one line naming ${names}`, async () => {
      const { code, stderr, stdout } = await runBuilt(args, env, dir);
      assert.equal(code, 2, stderr);
      assert.equal(stdout, '');
      const lines = stderr.split('\n').filter((l) => l !== '');
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0]!, new RegExp(`^katib [a-z-]+: ${names}: `));
      assert.ok(!existsSync(join(dir, 'never.db')), 'no database opened');
    });
  }
});
