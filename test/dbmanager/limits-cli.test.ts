/** The limit flags and their environment variables reach the DB manager `katib db-manager` runs. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { CliProcess } from '../cli/spawn-cli.js';
import { startServer } from '../server/server-process.js';
import { grpcError, TestGrpcClient } from './grpc-clients.js';

describe('katib db-manager limit flags', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'katib-limits-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--max-metric-logs, --max-message-bytes and KATIB_MAX_NAME_LENGTH are enforced; the ready line shows them', async () => {
    const cli = new CliProcess(
      [
        'db-manager',
        '--listen',
        '127.0.0.1:0',
        '--http-listen',
        '127.0.0.1:0',
        '--db',
        `sqlite:${join(dir, 'limits.db')}`,
        '--max-metric-logs',
        '3',
        '--max-message-bytes',
        '2KiB',
      ],
      { KATIB_MAX_NAME_LENGTH: '10', KATIB_MAX_CONNECTIONS: '50' },
    );
    const grpc = { client: undefined as TestGrpcClient | undefined };
    try {
      const ready = await cli.waitForLog('db manager ready');
      assert.deepEqual(ready.limits, {
        maxNameLength: 10,
        maxMetricLogsPerRequest: 3,
        maxMessageBytes: 2048,
        maxConnections: 50,
        maxConcurrentStreams: 100,
        idempotencyKeyRetentionSeconds: 86_400,
      });
      grpc.client = new TestGrpcClient(String(ready.grpcAddress));
      const log = (value: string) => ({ timeStamp: '', metric: { name: 'loss', value } });
      const tooMany = await grpcError(
        grpc.client.report({
          trialName: 't',
          observationLog: { metricLogs: [1, 2, 3, 4].map((i) => log(String(i))) },
        }),
      );
      assert.equal(tooMany.code, status.RESOURCE_EXHAUSTED);
      assert.match(tooMany.details, /4 metric logs exceed the limit of 3/);
      const tooLong = await grpcError(
        grpc.client.report({ trialName: 't'.repeat(11), observationLog: { metricLogs: [log('1')] } }),
      );
      assert.equal(tooLong.code, status.INVALID_ARGUMENT);
      assert.match(tooLong.details, /at most 10 characters/);
      const tooBig = await grpcError(
        grpc.client.report({
          trialName: 't',
          observationLog: { metricLogs: [log('1'.repeat(1000)), log('2'.repeat(1000)), log('3')] },
        }),
      );
      assert.equal(tooBig.code, status.RESOURCE_EXHAUSTED);
      await grpc.client.report({
        trialName: 't'.repeat(10),
        observationLog: { metricLogs: [log('1'), log('2'), log('3')] },
      });
      const { observationLog } = await grpc.client.get({ trialName: 't'.repeat(10) });
      assert.equal(observationLog?.metricLogs.length, 3);
      const res = await fetch(`http://${ready.httpAddress}/api.v1.beta1.DBManager/ReportObservationLog`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          trialName: 't',
          observationLog: { metricLogs: [1, 2, 3, 4].map((i) => log(String(i))) },
        }),
      });
      assert.equal(res.status, 429);
    } finally {
      grpc.client?.close();
      cli.kill('SIGTERM');
      await cli.exited;
    }
  });

  it('katib server takes them too (KATIB_MAX_METRIC_LOGS)', async () => {
    const server = await startServer(`sqlite:${join(dir, 'server.db')}`, join(dir, 'work'), {
      KATIB_MAX_METRIC_LOGS: '2',
    });
    const client = new TestGrpcClient(server.address);
    try {
      const log = { timeStamp: '', metric: { name: 'loss', value: '1' } };
      const err = await grpcError(
        client.report({ trialName: 't', observationLog: { metricLogs: [log, log, log] } }),
      );
      assert.equal(err.code, status.RESOURCE_EXHAUSTED);
      await client.report({ trialName: 't', observationLog: { metricLogs: [log, log] } });
    } finally {
      client.close();
      await server.stop();
    }
  });
});
