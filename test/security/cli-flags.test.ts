/**
 * The security flags of `katib db-manager` / `server` / `run` as processes: bad values exit 2 with
 * one line naming the flag (or variable), the value and the rule, before anything starts; and a
 * db-manager with --auth restarted on the same database keeps accepting the tokens it derived.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliError } from '../../src/cli/context.js';
import type { SecurityFlags } from '../../src/cli/security-flags.js';
import { type SecuritySettings, securitySettings } from '../../src/cli/security-settings.js';
import type { ServerFlags } from '../../src/cli/server-address.js';
import { DbManagerAuth } from '../../src/dbmanager/index.js';
import { parseFlags } from '../cli/parse-flags.js';
import { CliProcess, runCli } from '../cli/spawn-cli.js';
import { tempDir } from '../sdk/support.js';
import { AuthGrpcClient, codeOf } from './grpc-auth-client.js';
import { makeCerts, type TestCerts } from './support.js';

const FREE = ['--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0'];

/** The security settings of `katib db-manager ARGS` with ENV as the environment. */
async function settings(args: string[], env: Record<string, string>): Promise<SecuritySettings> {
  return securitySettings(await parseFlags<SecurityFlags>(['db-manager', ...args], env));
}

describe('security flags', () => {
  let tmp: ReturnType<typeof tempDir>;
  let certs: TestCerts;
  before(() => {
    tmp = tempDir('katib-sec-flags-');
    certs = makeCerts();
  });
  after(() => {
    certs.remove();
    tmp.remove();
  });

  it('bad values are CliError exit 2 naming the flag or variable, the value and the rule', async () => {
    const missing = join(tmp.dir, 'missing.pem');
    const short = join(tmp.dir, 'short-secret');
    writeFileSync(short, 'too short\n');
    // `katib db-manager ARGS` parsed with ENV, then the settings read together.
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        ['--tls-cert', missing, '--tls-key', certs.serverKey],
        {},
        /^--tls-cert: ".*missing\.pem" cannot be read: ENOENT/,
      ],
      [
        ['--tls-cert', certs.caCert, '--tls-key', certs.serverKey],
        {},
        /^--tls-key: ".*server\.key" is not the private key of the certificate in .*ca\.crt: /,
      ],
      [
        ['--tls-cert', certs.serverKey, '--tls-key', certs.serverKey],
        {},
        /^--tls-cert: ".*server\.key" is not a PEM file with a CERTIFICATE$/,
      ],
      [
        [],
        { KATIB_TLS_CERT: certs.serverCert, KATIB_TLS_KEY: certs.serverKey, KATIB_TLS_CA: missing },
        /^KATIB_TLS_CA: ".*missing\.pem" cannot be read: ENOENT/,
      ],
      [
        [],
        { KATIB_TLS_KEY: certs.serverKey },
        /^KATIB_TLS_KEY: ".*server\.key" needs --tls-cert \(or KATIB_TLS_CERT\) too$/,
      ],
      [
        ['--tls-cert', certs.serverCert],
        {},
        /^--tls-cert: ".*server\.crt" needs --tls-key \(or KATIB_TLS_KEY\) too$/,
      ],
      [['--tls-ca', certs.caCert], {}, /^--tls-ca: ".*ca\.crt" needs --tls-cert and --tls-key$/],
      [
        ['--operator-token', 'some-operator-token-123'],
        {},
        /^--operator-token: "\(given\)" needs --auth \(or KATIB_AUTH=true\)$/,
      ],
      [
        ['--auth', '--auth-secret-file', short],
        {},
        /^--auth-secret-file: ".*short-secret" must hold a secret of at least 16 bytes$/,
      ],
      [
        ['--auth'],
        { KATIB_AUTH_SECRET_FILE: missing },
        /^KATIB_AUTH_SECRET_FILE: ".*missing\.pem" cannot be read: ENOENT/,
      ],
      [
        [],
        { KATIB_AUTH: 'true', KATIB_OPERATOR_TOKEN: 'short' },
        /^KATIB_OPERATOR_TOKEN: a token of 5 characters must be 16 to 512 printable ASCII characters without spaces$/,
      ],
      [[], { KATIB_AUTH: 'maybe' }, /^KATIB_AUTH: "maybe" must be true or false$/],
    ];
    for (const [args, env, message] of cases) {
      await assert.rejects(settings(args, env), (err) => {
        assert.ok(err instanceof CliError, String(err));
        assert.equal(err.exitCode, 2);
        assert.match(err.message, message);
        return true;
      });
    }
    const on = await settings(['--auth', '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey], {
      KATIB_OPERATOR_TOKEN: 'an-operator-token-1234',
    });
    assert.equal(on.auth?.operatorToken, 'an-operator-token-1234');
    assert.equal(on.auth?.secret, undefined, 'kept in the database');
    assert.equal(on.tls?.caFile, certs.serverCert, 'trials trust the certificate by default');
    assert.deepEqual(await settings([], { KATIB_OPERATOR_TOKEN: 'ignored-without-auth-0' }), {});
    assert.deepEqual(await settings([], { KATIB_AUTH: 'false', KATIB_AUTH_SECRET_FILE: '' }), {});
    assert.ok((await settings([], { KATIB_AUTH: 'on' })).auth, 'KATIB_AUTH=on');
    // katib create/get/delete: --token and --ca-file, or KATIB_OPERATOR_TOKEN and KATIB_DB_MANAGER_CA.
    const get = (args: string[], env: Record<string, string> = {}) =>
      parseFlags<ServerFlags>(['get', 'experiments', ...args], env);
    await assert.rejects(get(['--ca-file', missing]), {
      exitCode: 2,
      message: /^--ca-file: ".*missing\.pem" is not a file that exists$/,
    });
    await assert.rejects(get(['--token', 'with space']), {
      exitCode: 2,
      message: '--token: "(given)" must be printable ASCII without spaces',
    });
    const fromEnv = await get([], { KATIB_OPERATOR_TOKEN: 'tok', KATIB_DB_MANAGER_CA: certs.caCert });
    assert.deepEqual([fromEnv.token, fromEnv.caFile], ['tok', certs.caCert]);
    assert.equal((await get(['--server', 'https://localhost:6789'])).server, 'https://localhost:6789');
  });

  it('as processes: exit 2 and one line, before anything starts', async () => {
    const db = ['--db', `sqlite:${join(tmp.dir, 'flags.db')}`];
    const missing = join(tmp.dir, 'missing.pem');
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        ['db-manager', ...FREE, ...db, '--tls-cert', missing, '--tls-key', certs.serverKey],
        {},
        /^katib db-manager: --tls-cert: ".*missing\.pem" cannot be read: ENOENT[^\n]*\n$/,
      ],
      [
        ['run', 'no-such.yaml', ...db, '--operator-token', 'some-operator-token-123'],
        {},
        /^katib run: --operator-token: "\(given\)" needs --auth \(or KATIB_AUTH=true\)\n$/,
      ],
      [
        ['db-manager', ...FREE, ...db, '--auth'],
        { SKIP_DB_INITIALIZATION: 'true' },
        /^katib db-manager: --auth: SKIP_DB_INITIALIZATION=true leaves the database alone, so the auth secret cannot be kept there: give --auth-secret-file\n$/,
      ],
    ];
    for (const [args, env, stderr] of cases) {
      const r = await runCli(args, env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, stderr);
      assert.equal(r.stdout, '');
    }
  });

  it('db-manager --auth keeps its generated secret in the database: a restart accepts the same trial tokens', async () => {
    const dbUrl = `sqlite:${join(tmp.dir, 'restart.db')}`;
    const start = async () => {
      const cli = new CliProcess(['db-manager', ...FREE, '--db', dbUrl, '--auth']);
      const ready = await cli.waitForLog('db manager ready');
      const token = String(
        (await cli.waitForLog('operator token (derived from the auth secret)')).operatorToken,
      );
      return { cli, address: String(ready.grpcAddress), operator: token };
    };
    const first = await start();
    let grpc = new AuthGrpcClient(first.address);
    // The trial token is not printed anywhere: a controller sharing the database derives it. Here it
    // is checked by what the server accepts: a token made with another secret is refused...
    const forged = new DbManagerAuth({ secret: Buffer.from('not the stored secret at all') }).tokenFor('t');
    assert.equal(await codeOf(grpc.report(forged, 't')), 7);
    // ...and the operator token (derived from the stored secret) is the same after a restart.
    await grpc.report(first.operator, 't', '1');
    grpc.close();
    first.cli.kill('SIGTERM');
    assert.equal((await first.cli.exited).code, 0);

    const second = await start();
    grpc = new AuthGrpcClient(second.address);
    try {
      assert.equal(second.operator, first.operator);
      const reply = await grpc.get(second.operator, 't');
      assert.equal(reply.observationLog?.metricLogs.length, 1);
    } finally {
      grpc.close();
      second.cli.kill('SIGTERM');
      await second.cli.exited;
    }
  });
});
