/**
 * ReportObservationLog requests for the fuzz suites, and what the DB manager must answer to each:
 * a reference built from protobuf-es (the generated codec) and validateReport, independent of the
 * hand decoder the gRPC port uses.
 */
import { create, fromBinary, fromJsonString, toBinary, toJsonString } from '@bufbuild/protobuf';
import { status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { grpcStatusOf, KatibError } from '../../src/api/errors.js';
import type { RequestLimits } from '../../src/dbmanager/index.js';
import { validateReport } from '../../src/dbmanager/validate.js';
import { ReportObservationLogRequestSchema } from '../../src/gen/api/v1/beta1/api_pb.js';
import { nastyName, nastyStamp, nastyValue } from './support.js';

export const NOW = () => 1_700_000_000_000_000;

/** What a request must get: OK with the number of rows it stores, or an error status. */
export type Expected = { status: 0; rows: number } | { status: number; rows: 0 };

/** The outcome of a ReportObservationLog message (no framing) by protobuf-es + validateReport. */
export function expectedForMessage(bytes: Uint8Array, limits: RequestLimits): Expected {
  let req: ReturnType<typeof fromBinary<typeof ReportObservationLogRequestSchema>>;
  try {
    req = fromBinary(ReportObservationLogRequestSchema, bytes, { readUnknownFields: false });
  } catch {
    return { status: status.INVALID_ARGUMENT, rows: 0 };
  }
  return expectedForRequest(req, limits);
}

/** The outcome of a decoded request by validateReport. */
export function expectedForRequest(
  req: Parameters<typeof validateReport>[0],
  limits: RequestLimits,
): Expected {
  try {
    return { status: 0, rows: validateReport(req, NOW, limits).logs.length };
  } catch (err) {
    if (!(err instanceof KatibError)) throw err;
    return { status: grpcStatusOf(err.code), rows: 0 };
  }
}

/**
 * The outcome of a Connect JSON body: UTF-8 decoded leniently, then protobuf-es's JSON reader
 * with unknown fields ignored (what Connect does), then validateReport.
 */
export function expectedForJson(body: Uint8Array, limits: RequestLimits): Expected {
  let req: ReturnType<typeof fromJsonString<typeof ReportObservationLogRequestSchema>>;
  try {
    req = fromJsonString(ReportObservationLogRequestSchema, new TextDecoder().decode(body), {
      ignoreUnknownFields: true,
    });
  } catch {
    return { status: status.INVALID_ARGUMENT, rows: 0 };
  }
  return expectedForRequest(req, limits);
}

/** A request as a client could mean it: nasty names, values and stamps, sometimes parts left out. */
export const reportInit = fc.record(
  {
    trialName: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('trial-a', 'trial-b') }, nastyName),
    observationLog: fc.record(
      {
        metricLogs: fc.array(
          fc.record(
            {
              timeStamp: fc.oneof(
                { weight: 4, arbitrary: fc.constantFrom('', '2026-01-01T00:00:00.5Z') },
                nastyStamp,
              ),
              metric: fc.record({
                name: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('loss', 'acc') }, nastyName),
                value: fc.oneof({ weight: 6, arbitrary: fc.double().map(String) }, nastyValue),
              }),
            },
            { requiredKeys: ['timeStamp'] },
          ),
          { maxLength: 12 },
        ),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['trialName'] },
);

/** The protobuf encoding of a reportInit. */
export const reportBytes = reportInit.map((init) =>
  toBinary(ReportObservationLogRequestSchema, create(ReportObservationLogRequestSchema, init)),
);

/** Bytes edited at random places: cut, overwritten or inserted. */
export function mutated(bytes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      bytes,
      fc.array(
        fc.tuple(fc.constantFrom('cut', 'flip', 'insert'), fc.nat(), fc.integer({ min: 0, max: 255 })),
        { minLength: 1, maxLength: 4 },
      ),
    )
    .map(([original, edits]) => {
      const out = [...original];
      for (const [kind, at, byte] of edits) {
        const i = out.length === 0 ? 0 : at % (out.length + 1);
        if (kind === 'cut') out.length = i;
        else if (kind === 'flip' && i < out.length) out[i] = byte;
        else out.splice(i, 0, byte);
      }
      return Uint8Array.from(out);
    });
}

/** Message bytes of every kind: valid, broken, random. */
export const anyMessage: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: reportBytes },
  { weight: 3, arbitrary: mutated(reportBytes) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }) },
);

/** The canonical JSON of a reportInit, as a client following the proto3 JSON mapping writes it. */
export const reportJson = reportInit.map((init) =>
  toJsonString(ReportObservationLogRequestSchema, create(ReportObservationLogRequestSchema, init)),
);
