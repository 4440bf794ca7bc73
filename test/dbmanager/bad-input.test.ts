import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { create, type MessageInitShape, toJson } from '@bufbuild/protobuf';
import { status } from '@grpc/grpc-js';
import {
  DeleteObservationLogRequestSchema,
  GetObservationLogRequestSchema,
  ReportObservationLogRequestSchema,
} from '../../src/gen/api/v1/beta1/api_pb.js';
import { grpcError } from './grpc-clients.js';
import {
  type OpenedDatabase,
  postJson,
  serverTestDatabases,
  startTestServer,
  type TestServer,
  uniqueTrial,
} from './harness.js';

type ReportInit = MessageInitShape<typeof ReportObservationLogRequestSchema>;

const GOOD = { timeStamp: '2026-01-01T00:00:00Z', metric: { name: 'loss', value: '0.5' } };
const long = (n: number) => 'x'.repeat(n);

/** Bad reports: a good log first, then the bad part, so "nothing stored" means the request was rejected whole. */
function badReports(trialName: string): { name: string; req: ReportInit; code: number; message: RegExp }[] {
  const withLog = (log: object): ReportInit => ({ trialName, observationLog: { metricLogs: [GOOD, log] } });
  const invalid = status.INVALID_ARGUMENT;
  return [
    {
      name: 'empty trial_name',
      req: { trialName: '', observationLog: { metricLogs: [GOOD] } },
      code: invalid,
      message: /^trial_name: "" must not be empty$/,
    },
    {
      name: '256-char trial_name',
      req: { trialName: long(256), observationLog: { metricLogs: [GOOD] } },
      code: invalid,
      message: /^trial_name: "x+\.\.\. must be at most 255 characters \(has 256\)$/,
    },
    {
      name: 'no observation_log',
      req: { trialName },
      code: invalid,
      message: /^observation_log: undefined is required$/,
    },
    {
      name: 'metric missing',
      req: withLog({ timeStamp: '' }),
      code: invalid,
      message: /^observation_log\.metric_logs\[1\]\.metric: undefined is required$/,
    },
    {
      name: 'empty metric name',
      req: withLog({ metric: { name: '', value: '1' } }),
      code: invalid,
      message: /^observation_log\.metric_logs\[1\]\.metric\.name: "" must not be empty$/,
    },
    {
      name: '256-char metric name',
      req: withLog({ metric: { name: long(256), value: '1' } }),
      code: invalid,
      message:
        /^observation_log\.metric_logs\[1\]\.metric\.name: .* must be at most 255 characters \(has 256\)$/,
    },
    {
      name: 'NUL in metric name',
      req: withLog({ metric: { name: 'a\u0000b', value: '1' } }),
      code: invalid,
      message: /metric_logs\[1\]\.metric\.name: "a\\u0000b" must not contain NUL/,
    },
    {
      name: 'unparsable time stamp',
      req: withLog({ timeStamp: 'yesterday', metric: { name: 'loss', value: '1' } }),
      code: invalid,
      message: /^observation_log\.metric_logs\[1\]\.time_stamp: "yesterday" is not an RFC 3339 time stamp/,
    },
    {
      name: 'month 13',
      req: withLog({ timeStamp: '2026-13-01T00:00:00Z', metric: { name: 'loss', value: '1' } }),
      code: invalid,
      message: /metric_logs\[1\]\.time_stamp: "2026-13-01T00:00:00Z" is not an RFC 3339/,
    },
    {
      name: 'time stamp without zone',
      req: withLog({ timeStamp: '2026-01-01T00:00:00', metric: { name: 'loss', value: '1' } }),
      code: invalid,
      message: /metric_logs\[1\]\.time_stamp: "2026-01-01T00:00:00" is not/,
    },
    {
      name: 'value not a number',
      req: withLog({ metric: { name: 'loss', value: 'abc' } }),
      code: invalid,
      message:
        /^observation_log\.metric_logs\[1\]\.metric\.value: "abc" must be a number .* or "unavailable"$/,
    },
    {
      name: 'empty value',
      req: withLog({ metric: { name: 'loss', value: '' } }),
      code: invalid,
      message: /metric_logs\[1\]\.metric\.value: "" must be a number/,
    },
    {
      name: 'hex value',
      req: withLog({ metric: { name: 'loss', value: '0x10' } }),
      code: invalid,
      message: /metric\.value: "0x10" must be a number/,
    },
    {
      name: 'decimal comma',
      req: withLog({ metric: { name: 'loss', value: '1,5' } }),
      code: invalid,
      message: /metric\.value: "1,5" must be a number/,
    },
    {
      name: '100,001 metric logs',
      req: {
        trialName,
        observationLog: {
          metricLogs: Array.from({ length: 100_001 }, () => ({ metric: { name: 'm', value: '1' } })),
        },
      },
      code: status.RESOURCE_EXHAUSTED,
      message: /^observation_log\.metric_logs: 100001 metric logs exceed the limit of 100000 per request/,
    },
  ];
}

const CONNECT_CODES: Record<number, [string, number]> = {
  [status.INVALID_ARGUMENT]: ['invalid_argument', 400],
  [status.RESOURCE_EXHAUSTED]: ['resource_exhausted', 429],
};

const databases = await serverTestDatabases();

for (const database of databases) {
  describe(`DB manager rejects bad input whole on ${database.name}`, { skip: database.skip }, () => {
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

    const stored = (trialName: string) => opened.db.observations.get(trialName);

    it('answers each bad report over gRPC with its code and message, storing nothing', async () => {
      for (const { name, req, code, message } of badReports(uniqueTrial('bad-grpc'))) {
        const err = await grpcError(server.grpc.report(req));
        assert.equal(err.code, code, `${name}: ${err.details}`);
        assert.match(err.details, message, name);
        if (req.trialName) assert.deepEqual(await stored(req.trialName), [], `${name} stored something`);
      }
    });

    it('answers each bad report over HTTP JSON with its code and message, storing nothing', async () => {
      for (const { name, req, code, message } of badReports(uniqueTrial('bad-http'))) {
        const body = toJson(
          ReportObservationLogRequestSchema,
          create(ReportObservationLogRequestSchema, req),
        );
        const res = await postJson(server.httpBase, 'ReportObservationLog', body);
        const [connectCode, httpStatus] = CONNECT_CODES[code]!;
        assert.equal(res.status, httpStatus, `${name}: ${JSON.stringify(res.json)}`);
        assert.equal(res.json.code, connectCode, name);
        assert.match(String(res.json.message), message, name);
        if (req.trialName) assert.deepEqual(await stored(req.trialName), [], `${name} stored something`);
      }
    });

    it('rejects a request over 4 MiB with RESOURCE_EXHAUSTED on both ports', async () => {
      const trialName = uniqueTrial('huge');
      const big = {
        trialName,
        observationLog: {
          metricLogs: Array.from({ length: 5 }, () => ({ metric: { name: long(255), value: '1' } })),
        },
      };
      big.observationLog.metricLogs.push({ metric: { name: 'm', value: '1'.repeat(4 * 1024 * 1024) } });
      const err = await grpcError(server.grpc.report(big));
      assert.equal(err.code, status.RESOURCE_EXHAUSTED, err.details);
      const res = await postJson(
        server.httpBase,
        'ReportObservationLog',
        toJson(ReportObservationLogRequestSchema, create(ReportObservationLogRequestSchema, big)),
      );
      assert.equal(res.json.code, 'resource_exhausted', JSON.stringify(res.json).slice(0, 200));
      assert.deepEqual(await stored(trialName), []);
    });

    it('accepts names of exactly 255 characters, counted as characters', async () => {
      const trialName = `${uniqueTrial('edge')}-${'t'.repeat(200)}`.slice(0, 255);
      const name = `${'é'.repeat(254)}😀`;
      await server.grpc.report({
        trialName,
        observationLog: { metricLogs: [{ timeStamp: GOOD.timeStamp, metric: { name, value: '1' } }] },
      });
      const logs = await stored(trialName);
      assert.equal(logs.length, 1);
      assert.equal(logs[0]!.name, name);
    });

    it('answers bad reads and deletes with INVALID_ARGUMENT naming the field', async () => {
      const cases: { req: MessageInitShape<typeof GetObservationLogRequestSchema>; message: RegExp }[] = [
        { req: { trialName: '' }, message: /^trial_name: "" must not be empty$/ },
        {
          req: { trialName: 't', startTime: 'now' },
          message: /^start_time: "now" is not an RFC 3339 time stamp/,
        },
        {
          req: { trialName: 't', endTime: '2026-02-30T00:00:00Z' },
          message: /^end_time: "2026-02-30T00:00:00Z" is not an RFC 3339/,
        },
        {
          req: { trialName: 't', metricName: long(256) },
          message: /^metric_name: .* must be at most 255 characters \(has 256\)$/,
        },
        {
          req: { trialName: 't', startTime: '2026-01-02T00:00:00Z', endTime: '2026-01-01T00:00:00Z' },
          message:
            /^end_time: "2026-01-01T00:00:00Z" must not be before start_time \(2026-01-02T00:00:00Z\)$/,
        },
      ];
      for (const { req, message } of cases) {
        const err = await grpcError(server.grpc.get(req));
        assert.equal(err.code, status.INVALID_ARGUMENT, err.details);
        assert.match(err.details, message);
        const body = toJson(GetObservationLogRequestSchema, create(GetObservationLogRequestSchema, req));
        const res = await postJson(server.httpBase, 'GetObservationLog', body);
        assert.equal(res.status, 400);
        assert.match(String(res.json.message), message);
      }
      const err = await grpcError(server.grpc.delete({ trialName: '' }));
      assert.equal(err.code, status.INVALID_ARGUMENT);
      assert.match(err.details, /^trial_name: "" must not be empty$/);
      const res = await postJson(
        server.httpBase,
        'DeleteObservationLog',
        toJson(DeleteObservationLogRequestSchema, create(DeleteObservationLogRequestSchema)),
      );
      assert.equal(res.status, 400);
    });

    it('answers malformed JSON and unknown JSON fields with invalid_argument', async () => {
      const trialName = uniqueTrial('json');
      const garbage = await postJson(server.httpBase, 'ReportObservationLog', '{"trialName": ');
      assert.equal(garbage.status, 400);
      assert.equal(garbage.json.code, 'invalid_argument');
      const wrongType = await postJson(server.httpBase, 'ReportObservationLog', {
        trialName,
        observationLog: { metricLogs: [{ metric: { name: 'm', value: 0.5 } }] },
      });
      assert.equal(wrongType.status, 400, JSON.stringify(wrongType.json));
      assert.deepEqual(await stored(trialName), []);
    });
  });
}
