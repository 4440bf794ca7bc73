/**
 * The hand decoder of ReportObservationLog (decodeReport) against the generated protobuf-es codec
 * + validateReport, under random limits: on any valid message they agree exactly (rows or the
 * same error); on arbitrary bytes the decoder agrees or refuses them cleanly (invalid_argument,
 * "request: not a valid ..."), never another exception.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { KatibError } from '../../src/api/errors.js';
import type { RequestLimits } from '../../src/dbmanager/index.js';
import { decodeReport } from '../../src/dbmanager/report-decoder.js';
import { validateReport } from '../../src/dbmanager/validate.js';
import { ReportObservationLogRequestSchema } from '../../src/gen/api/v1/beta1/api_pb.js';
import { mutated, NOW, reportBytes } from './requests.js';
import { fuzzParams } from './support.js';

type Outcome =
  | { rows: ReturnType<typeof validateReport> }
  | { code: string; message: string }
  | { malformed: true };

function checked(run: () => ReturnType<typeof validateReport>): Outcome {
  try {
    return { rows: run() };
  } catch (err) {
    assert.ok(err instanceof KatibError, `not a KatibError: ${String(err)}`);
    return { code: err.code, message: err.message };
  }
}

function reference(bytes: Uint8Array, limits: RequestLimits): Outcome {
  let req: ReturnType<typeof fromBinary<typeof ReportObservationLogRequestSchema>>;
  try {
    req = fromBinary(ReportObservationLogRequestSchema, bytes, { readUnknownFields: false });
  } catch {
    return { malformed: true };
  }
  return checked(() => validateReport(req, NOW, limits));
}

function handWritten(bytes: Uint8Array, limits: RequestLimits): Outcome {
  const outcome = checked(() => decodeReport(bytes, NOW, limits));
  if (
    'code' in outcome &&
    outcome.code === 'invalid_argument' &&
    outcome.message.startsWith('request: not a valid')
  )
    return { malformed: true };
  return outcome;
}

const limits: fc.Arbitrary<RequestLimits> = fc.record({
  maxNameLength: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant(255)),
  maxMetricLogsPerRequest: fc.oneof(fc.integer({ min: 1, max: 15 }), fc.constant(100_000)),
});

/** Any strings at all, through protobuf-es's encoder: every code point, lone surrogates, NUL. */
const anyText = fc.oneof(
  fc.string({ maxLength: 16, unit: 'binary' }),
  fc.string({ maxLength: 16, unit: 'grapheme' }),
  fc.string({ maxLength: 300 }),
);
const anyValidMessage = fc
  .record({
    trialName: anyText,
    observationLog: fc.option(
      fc.record({
        metricLogs: fc.array(
          fc.record({
            timeStamp: fc.oneof(anyText, fc.constant('2026-01-01T00:00:00Z')),
            metric: fc.option(
              fc.record({ name: anyText, value: fc.oneof(anyText, fc.double().map(String)) }),
              {
                nil: undefined,
              },
            ),
          }),
          { maxLength: 20 },
        ),
      }),
      { nil: undefined },
    ),
  })
  .map((init) =>
    toBinary(ReportObservationLogRequestSchema, create(ReportObservationLogRequestSchema, init)),
  );

describe('decodeReport against protobuf-es + validateReport', () => {
  it('agrees exactly on every valid message, under any limits', () => {
    fc.assert(
      fc.property(fc.oneof(anyValidMessage, reportBytes), limits, (bytes, lim) => {
        const want = reference(bytes, lim);
        assert.ok(!('malformed' in want), 'protobuf-es reads what it wrote');
        assert.deepEqual(handWritten(bytes, lim), want);
      }),
      fuzzParams(2000),
    );
  });

  it('on arbitrary bytes, agrees or refuses them cleanly as invalid_argument', () => {
    const seen = { agreed: 0, refused: 0 };
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated(anyValidMessage), mutated(reportBytes)),
        limits,
        (bytes, lim) => {
          const mine = handWritten(bytes, lim);
          if ('malformed' in mine) seen.refused++;
          else {
            assert.deepEqual(mine, reference(bytes, lim));
            seen.agreed++;
          }
        },
      ),
      fuzzParams(4000),
    );
    assert.ok(seen.agreed > 200 && seen.refused > 200, JSON.stringify(seen));
  });
});
