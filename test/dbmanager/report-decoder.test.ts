import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { KatibError } from '../../src/api/errors.js';
import { tryParseRfc3339 } from '../../src/api/time.js';
import { decodeReport } from '../../src/dbmanager/report-decoder.js';
import { validateReport } from '../../src/dbmanager/validate.js';
import { ReportObservationLogRequestSchema } from '../../src/gen/api/v1/beta1/api_pb.js';

const NOW = () => 1_700_000_000_000_000;

type Outcome =
  | { ok: true; report: ReturnType<typeof validateReport> }
  | { ok: false; decode: true }
  | { ok: false; decode: false; code: string; message: string };

function outcome(decode: () => Parameters<typeof validateReport>[0]): Outcome {
  let request: Parameters<typeof validateReport>[0];
  try {
    request = decode();
  } catch {
    return { ok: false, decode: true };
  }
  try {
    const report = validateReport(request, NOW);
    // validateReport's own fast path for stamps is checked here against the plain parser.
    report.logs.forEach((log, i) => {
      const stamp = request.observationLog!.metricLogs[i]!.timeStamp;
      assert.equal(log.time, stamp === '' ? NOW() : tryParseRfc3339(stamp), stamp);
    });
    return { ok: true, report };
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    assert.ok(err instanceof KatibError, String(err));
    return { ok: false, decode: false, code: err.code, message: err.message };
  }
}

const reference = (bytes: Uint8Array) =>
  outcome(() => fromBinary(ReportObservationLogRequestSchema, bytes, { readUnknownFields: false }));
function handWritten(bytes: Uint8Array): Outcome {
  try {
    return { ok: true, report: decodeReport(bytes, NOW) };
  } catch (err) {
    assert.ok(err instanceof KatibError, String(err));
    // Malformed bytes are named so; anything else is a check of a well-formed request.
    if (err.message.startsWith('request: not a valid')) return { ok: false, decode: true };
    return { ok: false, decode: false, code: err.code, message: err.message };
  }
}

// --- a protobuf writer free to write what protobuf-es never does: unknown fields, repeats, groups

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}
const tag = (field: number, wireType: number) => varint(field * 8 + wireType);
const lengthDelimited = (field: number, bytes: number[]) => [
  ...tag(field, 2),
  ...varint(bytes.length),
  ...bytes,
];
const utf8 = (text: string) => [...Buffer.from(text, 'utf8')];

/** An unknown field (numbers 3 and up) of any wire type, groups nested up to twice. */
const unknownField = (minField: number): fc.Arbitrary<number[]> =>
  fc.letrec<{ field: number[] }>((tie) => ({
    field: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc
        .tuple(fc.integer({ min: minField, max: 1000 }), fc.nat())
        .map(([f, n]) => [...tag(f, 0), ...varint(n)]),
      fc
        .tuple(fc.integer({ min: minField, max: 1000 }), fc.uint8Array({ minLength: 8, maxLength: 8 }))
        .map(([f, b]) => [...tag(f, 1), ...b]),
      fc
        .tuple(fc.integer({ min: minField, max: (1 << 29) - 1 }), fc.uint8Array({ maxLength: 12 }))
        .map(([f, b]) => lengthDelimited(f, [...b])),
      fc
        .tuple(fc.integer({ min: minField, max: 1000 }), fc.uint8Array({ minLength: 4, maxLength: 4 }))
        .map(([f, b]) => [...tag(f, 5), ...b]),
      fc
        // A group's number is one of the unknown ones too: a known number with the group wire
        // type is malformed (the decoder refuses it; see the broken-bytes test).
        .tuple(fc.integer({ min: minField, max: 1000 }), fc.array(tie('field'), { maxLength: 2 }))
        .map(([f, inner]) => [...tag(f, 3), ...inner.flat(), ...tag(f, 4)]),
    ),
  })).field;

const stamp = fc.oneof(
  fc.constant(''),
  fc
    .tuple(
      fc.date({
        min: new Date('0001-01-01T00:00:00Z'),
        max: new Date('9999-12-31T23:59:59Z'),
        noInvalidDate: true,
      }),
      fc.stringMatching(/^\d{0,9}$/),
      fc.constantFrom('Z', 'z', '+02:00', '-05:30', ''),
      fc.constantFrom('T', ' ', 't'),
    )
    .map(([d, frac, zone, sep]) => {
      const iso = d.toISOString().replace(/^\+0*/, '').slice(0, 19).replace('T', sep);
      return `${iso}${frac === '' ? '' : `.${frac}`}${zone}`;
    }),
  fc.constantFrom('2026-02-30T00:00:00Z', '2026-01-01T24:00:00Z', 'yesterday', '2026-01-01T00:00:60Z'),
);
const name = fc.oneof(
  fc.constantFrom('loss', 'accuracy', 'Validation-accuracy', '', 'é', 'a\u0000b', 'x'.repeat(256)),
  fc.string({ maxLength: 8 }),
);
const value = fc.oneof(
  { weight: 12, arbitrary: fc.double().map(String) },
  fc.constantFrom(
    '0.93',
    '-1e-3',
    '.5',
    '7.',
    'nan',
    '-Inf',
    'Infinity',
    'unavailable',
    '',
    'abc',
    '0x10',
    '1,5',
  ),
  fc.string({ maxLength: 6 }),
);
/** A string field's bytes: mostly UTF-8 text, sometimes bytes that are not UTF-8. */
const text = (arb: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 9, arbitrary: arb.map(utf8) },
    { weight: 1, arbitrary: fc.constantFrom<number[]>([0xff], [0x61, 0xc3]) },
  );

const metric = fc
  .array(
    fc.oneof(
      text(name).map((b) => lengthDelimited(1, b)),
      text(value).map((b) => lengthDelimited(2, b)),
      unknownField(3),
    ),
    { maxLength: 4 },
  )
  .map((parts) => parts.flat());
const metricLog = fc
  .array(
    fc.oneof(
      text(stamp).map((b) => lengthDelimited(1, b)),
      metric.map((b) => lengthDelimited(2, b)),
      unknownField(3),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((parts) => parts.flat());
const observationLog = fc
  .array(fc.oneof({ weight: 5, arbitrary: metricLog.map((b) => lengthDelimited(1, b)) }, unknownField(2)), {
    maxLength: 6,
  })
  .map((parts) => parts.flat());
const request = fc
  .array(
    fc.oneof(
      text(fc.oneof(fc.constantFrom('trial-1', ''), fc.string({ maxLength: 5 }))).map((b) =>
        lengthDelimited(1, b),
      ),
      observationLog.map((b) => lengthDelimited(2, b)),
      unknownField(3),
    ),
    { maxLength: 4 },
  )
  .map((parts) => Uint8Array.from(parts.flat()));

/** Well-formed logs mostly valid, as trials send them, through protobuf-es's own encoder. */
const typicalRequest = fc
  .record({
    trialName: fc.constantFrom('trial-1', 'trial-ü'),
    logs: fc.array(fc.record({ timeStamp: stamp, name: fc.constantFrom('loss', 'acc'), value }), {
      maxLength: 20,
    }),
  })
  .map(({ trialName, logs }) =>
    toBinary(
      ReportObservationLogRequestSchema,
      create(ReportObservationLogRequestSchema, {
        trialName,
        observationLog: {
          metricLogs: logs.map((l) => ({ timeStamp: l.timeStamp, metric: { name: l.name, value: l.value } })),
        },
      }),
    ),
  );

/** A batch as the batched reporter sends it: stamps of one second or two, every log valid. */
const batchRequest = fc
  .array(
    fc.tuple(fc.constantFrom('07', '08'), fc.stringMatching(/^\d{1,9}$/), fc.constantFrom('loss', 'acc')),
    { minLength: 2, maxLength: 30 },
  )
  .map((logs) =>
    toBinary(
      ReportObservationLogRequestSchema,
      create(ReportObservationLogRequestSchema, {
        trialName: 'trial-1',
        observationLog: {
          metricLogs: logs.map(([second, fraction, name], i) => ({
            timeStamp: `2026-03-04T05:06:${second}.${fraction}Z`,
            metric: { name, value: String(i) },
          })),
        },
      }),
    ),
  );

describe('decodeReport', () => {
  it('reads batches of one second to the microsecond, as protobuf-es + parseRfc3339 do', () => {
    fc.assert(
      fc.property(batchRequest, (bytes) => {
        const mine = handWritten(bytes);
        assert.ok(mine.ok);
        assert.deepEqual(mine, reference(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with protobuf-es fromBinary + validateReport on well-formed messages', () => {
    const seen = { ok: 0, invalid: 0, decode: 0 };
    fc.assert(
      fc.property(fc.oneof(request, { weight: 2, arbitrary: typicalRequest }), (bytes) => {
        const mine = handWritten(bytes);
        assert.deepEqual(mine, reference(bytes));
        seen[mine.ok ? 'ok' : mine.decode ? 'decode' : 'invalid']++;
      }),
      { numRuns: 3000 },
    );
    // Each kind of outcome is exercised, not only rejections.
    assert.ok(seen.ok > 250 && seen.invalid > 250 && seen.decode > 30, JSON.stringify(seen));
  });

  it('on broken bytes, either refuses them as invalid_argument or agrees with protobuf-es', () => {
    const mutated = fc
      .tuple(
        fc.oneof(request, typicalRequest),
        fc.array(
          fc.tuple(fc.constantFrom('cut', 'flip', 'insert'), fc.nat(), fc.integer({ min: 0, max: 255 })),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
      )
      .map(([bytes, edits]) => {
        const out = [...bytes];
        for (const [kind, at, byte] of edits) {
          const i = out.length === 0 ? 0 : at % (out.length + 1);
          if (kind === 'cut') out.length = i;
          else if (kind === 'flip' && i < out.length) out[i] = byte;
          else out.splice(i, 0, byte);
        }
        return Uint8Array.from(out);
      });
    fc.assert(
      fc.property(mutated, (bytes) => {
        const mine = handWritten(bytes);
        // What the hand-written decoder accepts, protobuf-es reads the same way.
        if (!(mine.ok === false && mine.decode)) assert.deepEqual(mine, reference(bytes));
      }),
      { numRuns: 5000 },
    );
  });

  it('merges repeated message fields, keeps the last of a repeated string, skips groups', () => {
    const bytes = Uint8Array.from([
      ...lengthDelimited(1, utf8('first')),
      ...tag(9, 3),
      ...lengthDelimited(1, utf8('inside a group')),
      ...tag(9, 4),
      ...lengthDelimited(
        2,
        lengthDelimited(1, [
          ...lengthDelimited(1, utf8('yesterday')),
          ...lengthDelimited(2, lengthDelimited(1, utf8('loss'))),
          ...lengthDelimited(1, utf8('2026-01-01T00:00:00Z')),
          ...lengthDelimited(2, lengthDelimited(2, utf8('0.5'))),
        ]),
      ),
      ...lengthDelimited(1, utf8('trial-1')),
      ...lengthDelimited(
        2,
        lengthDelimited(
          1,
          lengthDelimited(2, [...lengthDelimited(1, utf8('acc')), ...lengthDelimited(2, utf8('1'))]),
        ),
      ),
    ]);
    assert.deepEqual(decodeReport(bytes, NOW), {
      trialName: 'trial-1',
      logs: [
        { time: tryParseRfc3339('2026-01-01T00:00:00Z'), name: 'loss', value: '0.5' },
        { time: NOW(), name: 'acc', value: '1' },
      ],
    });
    assert.deepEqual(reference(bytes), handWritten(bytes));
  });

  it('refuses what protobuf-es would read leniently or not at all, naming the problem', () => {
    const cases: [string, number[], RegExp][] = [
      ['trial_name as a varint', [...tag(1, 0), 5], /field 1 has wire type 0/],
      [
        'a nested field past its message',
        [...lengthDelimited(2, [...tag(1, 2), 9]), 1, 2, 3, 4, 5, 6, 7, 8, 9],
        /runs past/,
      ],
      [
        'a varint of 6 bytes',
        [...tag(3, 0), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
        /bad varint/,
      ],
      ['an unmatched end group', [...tag(3, 4)], /end-group/],
      ['a group ending with another field', [...tag(3, 3), ...tag(4, 4)], /group ends with field 4/],
      ['field number 0', [0x02, 0x00], /illegal tag/],
      ['wire type 6', [...tag(3, 6)], /illegal tag/],
      ['not UTF-8', lengthDelimited(1, [0xc3, 0x28]), /not UTF-8/],
      ['a length cut short', [...tag(1, 2), 0x80], /cut short/],
    ];
    for (const [what, bytes, message] of cases) {
      assert.throws(
        () => decodeReport(Uint8Array.from(bytes), NOW),
        { code: 'invalid_argument', message },
        what,
      );
    }
  });
});
