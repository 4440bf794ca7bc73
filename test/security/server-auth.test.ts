/**
 * `katib server` as a process with authentication and TLS on (set through the env fallbacks):
 * the management API (KatibClient, `katib create|get|delete`) needs the operator token over TLS,
 * trials of an experiment it runs push with their own tokens, the dashboard needs the token.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { KatibClient } from '../../src/sdk/index.js';
import { runCli } from '../cli/spawn-cli.js';
import { commandExperiment, tempDir } from '../sdk/support.js';
import { type ServerProcess, startServer } from '../server/server-process.js';
import { makeCerts, type TestCerts } from './support.js';

const OPERATOR = 'server-operator-token-abcdef0123';

describe('katib server with KATIB_AUTH and KATIB_TLS_CERT/KEY', () => {
  let tmp: ReturnType<typeof tempDir>;
  let certs: TestCerts;
  let server: ServerProcess;
  let https: string;
  let file: string;
  let ready: Record<string, unknown>;

  before(async () => {
    tmp = tempDir('katib-server-auth-');
    certs = makeCerts();
    server = await startServer(`sqlite:${join(tmp.dir, 'auth.db')}`, join(tmp.dir, 'work'), {
      KATIB_AUTH: 'true',
      KATIB_OPERATOR_TOKEN: OPERATOR,
      KATIB_TLS_CERT: certs.serverCert,
      KATIB_TLS_KEY: certs.serverKey,
      KATIB_TLS_CA: certs.caCert,
    });
    // A host name, not 127.0.0.1: grpc-js sends the host as TLS SNI, and Node warns (DEP0123) about
    // an IP address there, once per process, on stderr.
    https = `https://${server.address.replace('127.0.0.1', 'localhost')}`;
    ready = await server.cli.waitForLog('katib server ready');
    file = join(tmp.dir, 'experiment.yaml');
    // A Push experiment: the trial's print is rewritten into a push with its KATIB_TRIAL_TOKEN.
    const experiment = commandExperiment('secured', { maxTrialCount: 2 });
    (experiment.spec as Record<string, unknown>).metricsCollectorSpec = { collector: { kind: 'Push' } };
    writeFileSync(file, stringify(experiment));
  });
  after(async () => {
    if (server.cli.child.exitCode === null) await server.stop();
    certs.remove();
    tmp.remove();
  });

  it('logs that auth and TLS are on, and a dashboard link with https and the token', () => {
    assert.equal(ready.auth, true);
    assert.equal(ready.tls, true);
    assert.match(String(ready.dashboard), new RegExp(`^https://127\\.0\\.0\\.1:\\d+/\\?token=${OPERATOR}$`));
  });

  it('KatibClient: no token UNAUTHENTICATED, a wrong one PERMISSION_DENIED, the operator token works', async () => {
    const none = new KatibClient({ address: https, caFile: certs.caCert });
    const wrong = new KatibClient({ address: https, caFile: certs.caCert, token: 'not-the-operator-token' });
    const clear = new KatibClient({ address: server.address, token: OPERATOR, timeout: 2 });
    const operator = new KatibClient({ address: https, caFile: certs.caCert, token: OPERATOR });
    try {
      await assert.rejects(none.listExperiments(), { code: 'unauthenticated' });
      await assert.rejects(wrong.listExperiments(), { code: 'permission_denied' });
      await assert.rejects(clear.listExperiments(), { code: 'unavailable' });
      assert.deepEqual(await operator.listExperiments(), []);
    } finally {
      for (const c of [none, wrong, clear, operator]) await c.close();
    }
  });

  it('katib create/get/delete with --token and --ca-file (or their env); trials push with their own tokens', async () => {
    const created = await runCli([
      'create',
      '-f',
      file,
      '--server',
      https,
      '--ca-file',
      certs.caCert,
      '--token',
      OPERATOR,
    ]);
    assert.deepEqual(created, { code: 0, stdout: 'experiment secured created\n', stderr: '' });
    const client = new KatibClient({ address: https, caFile: certs.caCert, token: OPERATOR });
    try {
      const done = await client.waitForExperimentCondition('secured', { timeout: 60, pollingInterval: 0.2 });
      assert.equal(done.status?.conditions.at(-1)?.type, 'Succeeded', JSON.stringify(done.status));
      assert.equal(done.status?.trialsSucceeded, 2);
      const trials = await client.listTrials('secured');
      for (const t of trials) {
        const metrics = await client.getTrialMetrics(t.name);
        assert.equal(metrics.length, 1, `${t.name} pushed its loss`);
      }
    } finally {
      await client.close();
    }
    const env = { KATIB_SERVER: https, KATIB_OPERATOR_TOKEN: OPERATOR, KATIB_DB_MANAGER_CA: certs.caCert };
    const got = await runCli(['get', 'experiments'], env);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /\nsecured\s+Succeeded/);
    const deleted = await runCli(['delete', 'secured'], env);
    assert.equal(deleted.code, 0, deleted.stderr);
  });

  it('the dashboard needs the token; the ?token= link sets a cookie that serves it', async () => {
    // The dashboard is on the HTTP port over TLS; fetch trusts the CA through an undici Agent-free
    // route: a child with NODE_EXTRA_CA_CERTS would do, but curl is simpler and always here.
    const { execFileSync } = await import('node:child_process');
    const http = String(ready.httpAddress);
    const status = (args: string[]) =>
      execFileSync(
        'curl',
        ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', certs.caCert, ...args],
        {
          encoding: 'utf8',
        },
      );
    assert.equal(status([`https://${http}/`]), '401');
    assert.equal(status(['-H', `authorization: Bearer ${OPERATOR}`, `https://${http}/`]), '200');
    assert.equal(status([`https://${http}/?token=${OPERATOR}`]), '303');
    assert.equal(status([`https://${http}/healthz`]), '200');
  });
});
