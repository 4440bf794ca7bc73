/**
 * The DB manager over TLS (certificates made here with openssl): reportMetrics (gRPC, h2 over TLS)
 * and python/katib_push.py (Connect JSON over HTTPS) push with the CA; a cleartext client, or one
 * that does not trust the CA, is refused and nothing is stored.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { credentials } from '@grpc/grpc-js';
import {
  DbManagerAuth,
  type RunningDbManager,
  readTlsMaterial,
  startDbManager,
} from '../../src/dbmanager/index.js';
import { closeReportConnections, PushTimeoutError, reportMetrics } from '../../src/sdk/report/index.js';
import { type Database, openDatabase } from '../../src/store/index.js';
import { type AvailableDatabase, testDatabases } from '../support/databases.js';
import { AuthGrpcClient, codeOf } from './grpc-auth-client.js';
import { makeCerts, type TestCerts } from './support.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PYTHON_DIR = fileURLToPath(new URL('../../python/', import.meta.url));
const TSX = import.meta.resolve('tsx');
const sqlite = (await testDatabases())[0] as AvailableDatabase;

describe('DB manager over TLS', () => {
  let certs: TestCerts;
  let db: Database;
  let manager: RunningDbManager;
  const auth = new DbManagerAuth({ secret: Buffer.from('tls test secret, long enough') });
  const stored = async (trial: string) => (await db.observations.get(trial, {})).map((l) => l.value);

  before(async () => {
    certs = makeCerts();
    db = await openDatabase(sqlite.url);
    manager = await startDbManager({
      db,
      grpcListen: '127.0.0.1:0',
      httpListen: '127.0.0.1:0',
      tls: readTlsMaterial(certs.serverCert, certs.serverKey),
      auth,
    });
  });
  after(async () => {
    await closeReportConnections();
    await manager.close();
    await db.close();
    certs.remove();
  });

  it('reportMetrics pushes to an https:// address trusting the CA file', async () => {
    await reportMetrics(
      { loss: 0.125 },
      {
        trialName: 'tls-1',
        dbManagerAddress: `https://${manager.grpcAddress}`,
        caFile: certs.caCert,
        token: auth.tokenFor('tls-1'),
      },
    );
    assert.deepEqual(await stored('tls-1'), ['0.125']);
  });

  it('a trial process with KATIB_DB_MANAGER_TLS, KATIB_DB_MANAGER_CA and KATIB_TRIAL_TOKEN pushes with reportMetrics', async () => {
    const code =
      "import { reportMetrics, createMetricsReporter } from './src/sdk/report/index.ts';" +
      'await reportMetrics({ loss: 0.5 });' +
      'const r = createMetricsReporter(); r.report({ loss: 0.25 }); await r.close();';
    await run(process.execPath, ['--import', TSX, '--input-type=module', '-e', code], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        KATIB_TRIAL_NAME: 'tls-env',
        KATIB_DB_MANAGER_ADDRESS: manager.grpcAddress,
        KATIB_DB_MANAGER_TLS: 'true',
        KATIB_DB_MANAGER_CA: certs.caCert,
        KATIB_TRIAL_TOKEN: auth.tokenFor('tls-env'),
      },
      timeout: 20_000,
    });
    assert.deepEqual((await stored('tls-env')).sort(), ['0.25', '0.5']);
  });

  it('a cleartext client is refused: reportMetrics to http://, grpc-js insecure, fetch http://; nothing stored', async () => {
    await assert.rejects(
      reportMetrics(
        { loss: 1 },
        {
          trialName: 'clear',
          dbManagerAddress: manager.grpcAddress,
          timeout: 1,
          token: auth.tokenFor('clear'),
        },
      ),
      (err) => err instanceof PushTimeoutError,
    );
    const grpc = new AuthGrpcClient(manager.grpcAddress, credentials.createInsecure());
    try {
      assert.equal(await codeOf(grpc.report(auth.tokenFor('clear'), 'clear')), 14);
    } finally {
      grpc.close();
    }
    await assert.rejects(fetch(`http://${manager.httpAddress}/healthz`));
    assert.deepEqual(await stored('clear'), []);
  });

  it('a client that does not trust the CA is refused (certificate error), nothing stored', async () => {
    await assert.rejects(
      reportMetrics(
        { loss: 1 },
        {
          trialName: 'untrusted',
          dbManagerAddress: `https://${manager.grpcAddress}`,
          caFile: certs.otherCaCert,
          timeout: 1,
          token: auth.tokenFor('untrusted'),
        },
      ),
      (err) => err instanceof PushTimeoutError && /certificate/i.test(err.message),
    );
    assert.deepEqual(await stored('untrusted'), []);
  });

  it('grpc-js with TLS credentials and the CA reaches it (Katib-style clients over TLS)', async () => {
    const grpc = new AuthGrpcClient(manager.grpcAddress, credentials.createSsl(readFileSync(certs.caCert)));
    try {
      await grpc.report(auth.tokenFor('grpc-js-tls'), 'grpc-js-tls');
    } finally {
      grpc.close();
    }
    assert.deepEqual(await stored('grpc-js-tls'), ['0.5']);
  });

  it('python/katib_push.py pushes over HTTPS with the CA (argument and env), and fails over http:// or without the CA', async () => {
    const python = async (script: string, env: Record<string, string>) =>
      run('python3', ['-c', script], {
        cwd: PYTHON_DIR,
        env: { PATH: process.env.PATH ?? '', PYTHONPATH: PYTHON_DIR, ...env },
        timeout: 20_000,
      });
    const https = `https://${manager.httpAddress}`;
    await python(
      `import katib_push; katib_push.report_metrics({"loss": 0.75}, db_manager_address="${https}", ca_file="${certs.caCert}", timeout=5)`,
      { KATIB_TRIAL_NAME: 'py-tls', KATIB_TRIAL_TOKEN: auth.tokenFor('py-tls') },
    );
    await python(
      'import katib_push\nr = katib_push.MetricsReporter(timeout=5)\nr.report({"loss": 0.5})\nr.close()',
      {
        KATIB_TRIAL_NAME: 'py-tls',
        KATIB_TRIAL_TOKEN: auth.tokenFor('py-tls'),
        KATIB_DB_MANAGER_HTTP_ADDRESS: manager.httpAddress!,
        KATIB_DB_MANAGER_TLS: 'true',
        KATIB_DB_MANAGER_CA: certs.caCert,
      },
    );
    assert.deepEqual((await stored('py-tls')).sort(), ['0.5', '0.75']);

    const failed = async (script: string, env: Record<string, string>) => {
      try {
        await python(script, env);
      } catch (err) {
        return (err as { stderr: string }).stderr;
      }
      throw new Error('the push succeeded but should have failed');
    };
    const token = { KATIB_TRIAL_NAME: 'py-clear', KATIB_TRIAL_TOKEN: auth.tokenFor('py-clear') };
    assert.match(
      await failed(
        `import katib_push; katib_push.report_metrics({"loss": 1}, db_manager_address="${manager.httpAddress}", timeout=1)`,
        token,
      ),
      /KatibPushError: push failed after \d+ attempts/,
    );
    assert.match(
      await failed(
        `import katib_push; katib_push.report_metrics({"loss": 1}, db_manager_address="${https}", timeout=1)`,
        token,
      ),
      /CERTIFICATE_VERIFY_FAILED/,
    );
    assert.deepEqual(await stored('py-clear'), []);
  });

  it("python/katib_push.py without a token is refused unauthenticated, with another trial's permission_denied", async () => {
    const env = { KATIB_TRIAL_NAME: 'py-auth', KATIB_DB_MANAGER_CA: certs.caCert };
    const script = `import katib_push\ntry:\n    katib_push.report_metrics({"loss": 1}, db_manager_address="https://${manager.httpAddress}", timeout=5)\nexcept katib_push.KatibPushError as e:\n    print(e.code)`;
    const none = await run('python3', ['-c', script], {
      cwd: PYTHON_DIR,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    assert.equal(none.stdout.trim(), 'unauthenticated');
    const other = await run('python3', ['-c', script], {
      cwd: PYTHON_DIR,
      env: { PATH: process.env.PATH ?? '', ...env, KATIB_TRIAL_TOKEN: auth.tokenFor('someone-else') },
    });
    assert.equal(other.stdout.trim(), 'permission_denied');
    assert.deepEqual(await stored('py-auth'), []);
  });
});
