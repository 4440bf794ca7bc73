import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { formatRfc3339, nowMicros, tryParseRfc3339 } from '../../src/api/time.js';
import { ReportObservationLogRequestSchema } from '../../src/gen/api/v1/beta1/api_pb.js';
import { encodeMetricLogs, encodeReportFrame } from '../../src/sdk/report/encode.js';
import { TimeStamps } from '../../src/sdk/report/time-stamps.js';

type Log = { timeStamp: string; name: string; value: string };

function viaProtobufEs(trialName: string, logs: Log[]): Buffer {
  const message = create(ReportObservationLogRequestSchema, {
    trialName,
    observationLog: {
      metricLogs: logs.map((l) => ({ timeStamp: l.timeStamp, metric: { name: l.name, value: l.value } })),
    },
  });
  return Buffer.from(toBinary(ReportObservationLogRequestSchema, message));
}

function viaHand(trialName: string, groups: Log[][]): Buffer {
  const parts = groups.map((group) =>
    encodeMetricLogs(
      group[0]?.timeStamp ?? '',
      group.map((l) => [l.name, l.value] as const),
    ),
  );
  return encodeReportFrame(trialName, parts);
}

function checkFrame(frame: Buffer, trialName: string, logs: Log[]): void {
  assert.equal(frame[0], 0, 'not compressed');
  assert.equal(frame.readUInt32BE(1), frame.length - 5, 'length prefix');
  const body = frame.subarray(5);
  assert.deepEqual(body, viaProtobufEs(trialName, logs), 'byte-identical to protobuf-es toBinary');
  const decoded = fromBinary(ReportObservationLogRequestSchema, body);
  assert.equal(decoded.trialName, trialName);
  assert.deepEqual(
    decoded.observationLog?.metricLogs.map((l) => ({
      timeStamp: l.timeStamp,
      name: l.metric?.name,
      value: l.metric?.value,
    })),
    logs,
  );
}

describe('hand-encoded ReportObservationLogRequest', () => {
  it('matches protobuf-es for one report of several metrics', () => {
    const ts = '2026-01-02T03:04:05.123456Z';
    const logs = [
      { timeStamp: ts, name: 'loss', value: '0.25' },
      { timeStamp: ts, name: 'accuracy', value: '0.93' },
    ];
    checkFrame(viaHand('mnist-abc123', [logs]), 'mnist-abc123', logs);
  });

  it('matches protobuf-es for concatenated batches, multi-byte varints and non-ASCII text', () => {
    const groups: Log[][] = [];
    for (let i = 0; i < 400; i++) {
      const ts = `2026-01-02T03:04:05.${String(i).padStart(6, '0')}Z`;
      groups.push([
        { timeStamp: ts, name: `métrique-${i}-μ`, value: String(i * 0.001) },
        { timeStamp: ts, name: 'x'.repeat(200), value: '1e-7' },
      ]);
    }
    const trial = `trial-ü-${'t'.repeat(250)}`;
    const frame = viaHand(trial, groups);
    assert.ok(frame.length > 16384 * 2, 'lengths need three varint bytes');
    checkFrame(frame, trial, groups.flat());
  });

  it('omits empty strings as proto3 does and still writes the empty observation log', () => {
    checkFrame(viaHand('t', [[{ timeStamp: '', name: 'm', value: '1' }]]), 't', [
      { timeStamp: '', name: 'm', value: '1' },
    ]);
    checkFrame(encodeReportFrame('t', []), 't', []);
  });
});

describe('TimeStamps', () => {
  it('formats now like formatRfc3339, to the microsecond, across second boundaries', async () => {
    const clock = new TimeStamps();
    const end = performance.now() + 1100;
    let checked = 0;
    while (performance.now() < end) {
      const before = nowMicros();
      const stamp = clock.now();
      const after = nowMicros();
      const micros = tryParseRfc3339(stamp) as number;
      assert.equal(formatRfc3339(micros), stamp);
      assert.ok(micros >= before && micros <= after, `${stamp} between ${before} and ${after}`);
      if (++checked % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  });
});
