/**
 * `katib db-manager --idempotency-key-retention`: the DB manager prunes keys older than the
 * retention (so the keys table does not grow with every push for the life of a trial), and a key
 * within it still makes a retried push store nothing. A real process on SQLite, pushes over HTTP.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CliProcess, runCli } from '../cli/spawn-cli.js';

async function push(http: string, trialName: string, value: string, key: string): Promise<void> {
  const res = await fetch(`http://${http}/api.v1.beta1.DBManager/ReportObservationLog`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'katib-idempotency-key': key },
    body: JSON.stringify({
      trialName,
      observationLog: { metricLogs: [{ timeStamp: '', metric: { name: 'loss', value } }] },
    }),
  });
  assert.equal(res.status, 200, await res.text());
}

async function values(http: string, trialName: string): Promise<string[]> {
  const res = await fetch(`http://${http}/api.v1.beta1.DBManager/GetObservationLog`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ trialName }),
  });
  const body = (await res.json()) as { observationLog?: { metricLogs?: { metric: { value: string } }[] } };
  return (body.observationLog?.metricLogs ?? []).map((l) => l.metric.value);
}

describe('katib db-manager --idempotency-key-retention', () => {
  it('keys past the retention are pruned (logged); within it a retry stores nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'katib-key-retention-'));
    const cli = new CliProcess([
      'db-manager',
      '--db',
      `sqlite:${join(dir, 'katib.db')}`,
      '--listen',
      '127.0.0.1:0',
      '--http-listen',
      '127.0.0.1:0',
      '--idempotency-key-retention',
      '2',
    ]);
    try {
      const ready = await cli.waitForLog('db manager ready');
      assert.equal((ready.limits as Record<string, unknown>).idempotencyKeyRetentionSeconds, 2);
      const http = String(ready.httpAddress);
      await push(http, 'kept-trial', '0.5', 'push-1');
      await push(http, 'kept-trial', '0.5', 'push-1');
      assert.deepEqual(
        await values(http, 'kept-trial'),
        ['0.5'],
        'a retry within the retention is stored once',
      );

      // Prunes run every quarter of the retention (at least 1 s): the key goes within ~3 s.
      const pruned = await cli.waitForLog('idempotency keys pruned', 15_000);
      assert.equal(pruned.pruned, 1);
      assert.equal(pruned.retentionSeconds, 2);
      await push(http, 'kept-trial', '0.5', 'push-1');
      assert.deepEqual(
        await values(http, 'kept-trial'),
        ['0.5', '0.5'],
        'the point stays; the pruned key is new again',
      );
    } finally {
      cli.kill('SIGTERM');
      assert.equal((await cli.exited).code, 0, cli.stderr);
    }
  });

  it('a retention that is not a whole number of seconds from 1 is refused, naming the flag or variable', async () => {
    const bad = await runCli(['db-manager', '--idempotency-key-retention', '0', '--db', 'sqlite::memory:']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--idempotency-key-retention: "0" must be a whole number from 1 to 315360000/);
    const badEnv = await runCli(['db-manager', '--db', 'sqlite::memory:'], {
      KATIB_IDEMPOTENCY_KEY_RETENTION: '1h',
    });
    assert.equal(badEnv.code, 2);
    assert.match(badEnv.stderr, /KATIB_IDEMPOTENCY_KEY_RETENTION: "1h" must be a whole number/);
  });
});
