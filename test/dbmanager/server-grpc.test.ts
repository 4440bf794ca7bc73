import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { HealthCheckResponse_ServingStatus } from '../../src/gen/grpc/health/v1/health_pb.js';
import { grpcError } from './grpc-clients.js';
import {
  type OpenedDatabase,
  serverTestDatabases,
  startTestServer,
  type TestServer,
  uniqueTrial,
} from './harness.js';

const RFC3339_MICROS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

const databases = await serverTestDatabases();

for (const database of databases) {
  describe(`DB manager over gRPC on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedDatabase;
    let server: TestServer;
    before(async () => {
      opened = await database.open();
      server = await startTestServer(opened.db);
    });
    after(async () => {
      await server?.stop();
      await opened?.dispose();
    });

    it('stores a report and reads it back in time order, as RFC 3339 UTC with microseconds', async () => {
      const trialName = uniqueTrial();
      await server.grpc.report({
        trialName,
        observationLog: {
          metricLogs: [
            { timeStamp: '2026-01-02T03:04:06.5+01:00', metric: { name: 'loss', value: '0.5' } },
            { timeStamp: '2026-01-02T02:04:05Z', metric: { name: 'loss', value: '0.9' } },
            { timeStamp: '2026-01-02T02:04:05.123456789Z', metric: { name: 'accuracy', value: '1e-3' } },
          ],
        },
      });
      const reply = await server.grpc.get({ trialName });
      const logs = reply.observationLog?.metricLogs.map((l) => [
        l.timeStamp,
        l.metric?.name,
        l.metric?.value,
      ]);
      assert.deepEqual(logs, [
        ['2026-01-02T02:04:05.000000Z', 'loss', '0.9'],
        ['2026-01-02T02:04:05.123456Z', 'accuracy', '1e-3'],
        ['2026-01-02T02:04:06.500000Z', 'loss', '0.5'],
      ]);
    });

    it('takes an empty time stamp as now, and every number spelling Python and Go print', async () => {
      const trialName = uniqueTrial();
      const values = [
        '0.93',
        '-1',
        '+2.5E+06',
        '.5',
        '7.',
        'nan',
        'NaN',
        'inf',
        '-inf',
        '+Inf',
        'Infinity',
        'unavailable',
      ];
      const beforeMs = Date.now();
      await server.grpc.report({
        trialName,
        observationLog: {
          metricLogs: values.map((value) => ({ timeStamp: '', metric: { name: 'm', value } })),
        },
      });
      const afterMs = Date.now();
      const logs = (await server.grpc.get({ trialName })).observationLog?.metricLogs ?? [];
      assert.deepEqual(
        logs.map((l) => l.metric?.value),
        values,
      );
      for (const log of logs) {
        assert.match(log.timeStamp, RFC3339_MICROS_UTC);
        const ms = Date.parse(log.timeStamp);
        assert.ok(
          ms >= beforeMs - 1 && ms <= afterMs + 1,
          `${log.timeStamp} is not between the call's start and end`,
        );
      }
    });

    it('filters by metric name and an inclusive time range', async () => {
      const trialName = uniqueTrial();
      const metricLogs = [1, 2, 3, 4].flatMap((s) => [
        { timeStamp: `2026-03-01T00:00:0${s}Z`, metric: { name: 'loss', value: String(s) } },
        { timeStamp: `2026-03-01T00:00:0${s}Z`, metric: { name: 'acc', value: String(s / 10) } },
      ]);
      await server.grpc.report({ trialName, observationLog: { metricLogs } });
      const loss = await server.grpc.get({ trialName, metricName: 'loss' });
      assert.deepEqual(
        loss.observationLog?.metricLogs.map((l) => l.metric?.value),
        ['1', '2', '3', '4'],
      );
      const window = await server.grpc.get({
        trialName,
        metricName: 'acc',
        startTime: '2026-03-01T00:00:02Z',
        endTime: '2026-03-01T00:00:03.000000Z',
      });
      assert.deepEqual(
        window.observationLog?.metricLogs.map((l) => l.metric?.value),
        ['0.2', '0.3'],
      );
      const open = await server.grpc.get({ trialName, startTime: '2026-03-01T00:00:04Z' });
      assert.equal(open.observationLog?.metricLogs.length, 2);
    });

    it('deletes a trial, and deleting an unknown trial is OK', async () => {
      const trialName = uniqueTrial();
      const other = uniqueTrial();
      const log = { timeStamp: '2026-01-01T00:00:00Z', metric: { name: 'loss', value: '1' } };
      await server.grpc.report({ trialName, observationLog: { metricLogs: [log] } });
      await server.grpc.report({ trialName: other, observationLog: { metricLogs: [log] } });
      await server.grpc.delete({ trialName });
      assert.equal((await server.grpc.get({ trialName })).observationLog?.metricLogs.length ?? 0, 0);
      assert.equal((await server.grpc.get({ trialName: other })).observationLog?.metricLogs.length, 1);
      await server.grpc.delete({ trialName });
      await server.grpc.delete({ trialName: uniqueTrial('never-reported') });
    });

    it('stores every one of many concurrent reports', async () => {
      const trials = Array.from({ length: 8 }, () => uniqueTrial('concurrent'));
      const calls = [];
      for (let i = 0; i < 400; i++) {
        calls.push(
          server.grpc.report({
            trialName: trials[i % trials.length]!,
            observationLog: {
              metricLogs: [
                { timeStamp: '', metric: { name: 'step', value: String(i) } },
                { timeStamp: '', metric: { name: 'loss', value: String(1 / (i + 1)) } },
              ],
            },
          }),
        );
      }
      await Promise.all(calls);
      let total = 0;
      const steps = new Set<string>();
      for (const trialName of trials) {
        const logs =
          (await server.grpc.get({ trialName, metricName: 'step' })).observationLog?.metricLogs ?? [];
        total += logs.length;
        for (const l of logs) steps.add(l.metric!.value);
      }
      assert.equal(total, 400);
      assert.equal(steps.size, 400);
    });

    it('answers health SERVING for "", the health service and DBManager, NOT_FOUND for others', async () => {
      for (const service of ['', 'grpc.health.v1.Health', 'api.v1.beta1.DBManager']) {
        const reply = await server.grpc.check({ service });
        assert.equal(reply.status, HealthCheckResponse_ServingStatus.SERVING, service);
      }
      const err = await grpcError(server.grpc.check({ service: 'api.v1.beta1.Suggestion' }));
      assert.equal(err.code, status.NOT_FOUND);
      assert.match(err.details, /api\.v1\.beta1\.Suggestion/);
    });
  });
}
