import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { validateGet, validateReport } from '../../src/dbmanager/validate.js';
import {
  GetObservationLogRequestSchema,
  ReportObservationLogRequestSchema,
} from '../../src/gen/api/v1/beta1/api_pb.js';

const report = (logs: { timeStamp?: string; name?: string; value: string }[]) =>
  create(ReportObservationLogRequestSchema, {
    trialName: 't',
    observationLog: {
      metricLogs: logs.map((l) => ({
        timeStamp: l.timeStamp ?? '',
        metric: { name: l.name ?? 'm', value: l.value },
      })),
    },
  });

describe('validateReport', () => {
  it('accepts numbers in decimal and exponent form, NaN and infinities as Python, Go and JS print them', () => {
    const good = [
      '0',
      '-0',
      '0.93',
      '+1.5',
      '.5',
      '5.',
      '1e10',
      '1E-10',
      '-2.5e+3',
      'nan',
      'NaN',
      'inf',
      '-inf',
      '+Inf',
      'Infinity',
      '-infinity',
      'unavailable',
    ];
    const { logs } = validateReport(report(good.map((value) => ({ value }))), () => 7);
    assert.deepEqual(
      logs.map((l) => l.value),
      good,
    );
  });

  it('refuses everything else as a metric value', () => {
    for (const value of [
      '',
      ' 1',
      '1 ',
      '1,5',
      '0x1f',
      '1e',
      'e5',
      '.',
      '--1',
      'infinit',
      'Unavailable',
      'null',
      '1_000',
      '١',
    ]) {
      assert.throws(
        () => validateReport(report([{ value: '1' }, { value }]), () => 7),
        {
          code: 'invalid_argument',
          field: 'observation_log.metric_logs[1].metric.value',
        },
        value,
      );
    }
  });

  it('gives every empty time stamp in a request the same "now", and parses the others', () => {
    let calls = 0;
    const now = () => {
      calls++;
      return 42;
    };
    const { logs } = validateReport(
      report([
        { value: '1' },
        { value: '2', timeStamp: '1970-01-01T00:00:01.5Z' },
        { value: '3' },
        { value: '4', timeStamp: '1970-01-01T00:00:01.5Z' },
      ]),
      now,
    );
    assert.deepEqual(
      logs.map((l) => l.time),
      [42, 1_500_000, 42, 1_500_000],
    );
    assert.equal(calls, 1);
  });

  it('checks a repeated name only once but still checks a changed one', () => {
    assert.throws(
      () =>
        validateReport(
          report([
            { value: '1', name: 'a' },
            { value: '1', name: 'a' },
            { value: '1', name: '' },
          ]),
          () => 0,
        ),
      {
        field: 'observation_log.metric_logs[2].metric.name',
      },
    );
    assert.throws(() => validateReport(report([{ value: '1', name: '' }]), () => 0), {
      field: 'observation_log.metric_logs[0].metric.name',
    });
  });

  it('refuses lone surrogates in names', () => {
    assert.throws(() => validateReport(report([{ value: '1', name: 'a\ud800' }]), () => 0), {
      message: /must not contain NUL characters or unpaired UTF-16 surrogates/,
    });
  });
});

describe('validateGet', () => {
  it('turns empty filters into no bounds and parses the others', () => {
    assert.deepEqual(validateGet(create(GetObservationLogRequestSchema, { trialName: 't' })), {
      trialName: 't',
      query: {},
    });
    assert.deepEqual(
      validateGet(
        create(GetObservationLogRequestSchema, {
          trialName: 't',
          metricName: 'loss',
          startTime: '1970-01-01T00:00:00Z',
          endTime: '1970-01-01T00:00:00Z',
        }),
      ),
      { trialName: 't', query: { metricName: 'loss', startTime: 0, endTime: 0 } },
    );
  });
});
