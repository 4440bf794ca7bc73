import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import type { MetricLog } from '../../../src/api/observation.js';
import {
  eventScalars,
  formatScalar,
  metricsForTag,
  startTfEventCollector,
  TfRecordReader,
} from '../../../src/collector/tfevent/index.js';
import {
  DataType,
  EventSchema,
  Summary_ValueSchema,
  SummarySchema,
  TensorProtoSchema,
  TensorShapeProtoSchema,
} from '../../../src/gen/tensorflow/event_pb.js';
import { appendEvents, frame, scalarEvent, versionEvent } from './event-writer.js';

const root = mkdtempSync(join(tmpdir(), 'katib-tfevent-'));
after(() => rmSync(root, { recursive: true, force: true }));

function readAll(bytes: Buffer, chunk: number): { records: Buffer[]; problems: string[]; leftover: number } {
  const problems: string[] = [];
  const reader = new TfRecordReader((r) => problems.push(r));
  const records: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) records.push(...reader.push(bytes.subarray(i, i + chunk)));
  return { records, problems, leftover: reader.leftover };
}

describe('TFRecord framing', () => {
  const events = [versionEvent(1), scalarEvent('loss', 0.5, 1, 2), scalarEvent('loss', 0.25, 2, 3)];
  const file = Buffer.concat(events.map(frame));

  it('reads every record whatever the chunk boundaries', () => {
    for (const chunk of [1, 3, 12, 17, file.length]) {
      const { records, problems, leftover } = readAll(file, chunk);
      assert.deepEqual(
        records.map((r) => Buffer.from(r).toString('hex')),
        events.map((e) => Buffer.from(e).toString('hex')),
      );
      assert.deepEqual([problems, leftover], [[], 0]);
    }
  });

  it('keeps an unfinished record until its bytes come (a writer mid-record)', () => {
    const { records, leftover } = readAll(file.subarray(0, file.length - 5), file.length);
    assert.equal(records.length, 2);
    assert.ok(leftover > 0);
  });

  it('skips a record whose data CRC is wrong and reads the next', () => {
    const bad = Buffer.from(file);
    const second = frame(events[0]!).length;
    bad.writeUInt8(bad.readUInt8(second + 14) ^ 0xff, second + 14); // a data byte of the second record
    const { records, problems } = readAll(bad, 7);
    assert.equal(records.length, 2);
    assert.deepEqual(problems, ['TFRecord data check failed: record skipped']);
  });

  it('finds the next record after a corrupt length, saying so once', () => {
    const bad = Buffer.concat([Buffer.from('garbage bytes, not a record'), file]);
    const { records, problems } = readAll(bad, 5);
    assert.equal(records.length, 3);
    assert.deepEqual(problems, ['TFRecord length check failed: bytes skipped until the next record']);
  });

  it('never throws on arbitrary bytes, and valid records around garbage are read (fuzzed)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 64 }), (junk, chunk) => {
        const bytes = Buffer.concat([frame(events[1]!), Buffer.from(junk), frame(events[2]!)]);
        const { records } = readAll(bytes, chunk);
        assert.ok(records.length >= 2);
        assert.deepEqual(records.at(-1), Buffer.from(events[2]!));
      }),
      { numRuns: 300 },
    );
  });
});

describe('scalars of an event', () => {
  const problems: string[] = [];
  const one = (bytes: Uint8Array) => eventScalars(bytes, (tag, reason) => problems.push(`${tag}: ${reason}`));

  it('reads simple_value (TF1, tensorboardX) and one-element tensors (TF2, PyTorch) alike', () => {
    for (const style of ['simple', 'tensor-float', 'tensor-double', 'tensor-content'] as const) {
      assert.deepEqual(one(scalarEvent('accuracy', 0.1, 7, 1700000000.25, style)), [
        { tag: 'accuracy', value: '0.1', timeMicros: 1700000000250000, step: 7n },
      ]);
    }
  });

  it('writes floats as numpy does: shortest text at their own precision; nan and inf as Python', () => {
    assert.equal(formatScalar(Math.fround(0.1), 'float32'), '0.1');
    assert.equal(formatScalar(Math.fround(1 / 3), 'float32'), '0.33333334');
    assert.equal(formatScalar(1 / 3, 'float64'), '0.3333333333333333');
    assert.equal(formatScalar(Number.NaN, 'float32'), 'nan');
    assert.equal(formatScalar(Number.NEGATIVE_INFINITY, 'float64'), '-inf');
  });

  it('skips a tensor that is not one number, saying why', () => {
    const histogram = toBinary(
      EventSchema,
      create(EventSchema, {
        wallTime: 1,
        what: {
          case: 'summary',
          value: create(SummarySchema, {
            value: [
              create(Summary_ValueSchema, {
                tag: 'weights',
                value: {
                  case: 'tensor',
                  value: create(TensorProtoSchema, {
                    dtype: DataType.DT_FLOAT,
                    tensorShape: create(TensorShapeProtoSchema, { dim: [{ size: 3n }] }),
                    floatVal: [1, 2, 3],
                  }),
                },
              }),
            ],
          }),
        },
      }),
    );
    problems.length = 0;
    assert.deepEqual(one(histogram), []);
    assert.deepEqual(problems, ['weights: a tensor of 3 elements, not a scalar']);
  });
});

describe("metric names from tags (Katib's rule)", () => {
  const cases: [tag: string, file: string, names: string[], expected: string[]][] = [
    ['accuracy', '/logs/events.out.tfevents.1', ['accuracy', 'loss'], ['accuracy']],
    [
      'accuracy',
      '/logs/train/events.out.tfevents.1',
      ['train/accuracy', 'test/accuracy'],
      ['train/accuracy'],
    ],
    ['accuracy', '/logs/test/events.out.tfevents.1', ['train/accuracy', 'test/accuracy'], ['test/accuracy']],
    ['accuracy_top5', '/logs/events.out.tfevents.1', ['accuracy'], ['accuracy']],
    ['epoch_accuracy', '/logs/events.out.tfevents.1', ['accuracy'], []],
    ['loss', '/logs/train/events.out.tfevents.1', ['loss', 'train/loss'], ['loss', 'train/loss']],
  ];
  for (const [tag, file, names, expected] of cases) {
    it(`${tag} in ${file} for ${names.join(', ')}`, () =>
      assert.deepEqual(metricsForTag(tag, file, names), expected));
  }
});

describe('the TensorFlowEvent collector', () => {
  it('stores scalars live as the trial writes them, from every event file under the directory', async () => {
    const dir = join(root, 'live');
    const stored: MetricLog[] = [];
    const collector = startTfEventCollector(
      'logs',
      dir,
      ['train/loss', 'test/loss', 'accuracy'],
      async (logs) => {
        stored.push(...logs);
      },
      { pollIntervalMs: 20, flushIntervalMs: 10 },
    );
    // The directory appears after the collector starts, as it does when a trial creates it.
    mkdirSync(join(dir, 'logs', 'train'), { recursive: true });
    mkdirSync(join(dir, 'logs', 'test'), { recursive: true });
    const train = join(dir, 'logs', 'train', 'events.out.tfevents.1.host');
    const test = join(dir, 'logs', 'test', 'events.out.tfevents.1.host');
    appendEvents(train, [versionEvent(1000), scalarEvent('loss', 0.9, 1, 1001)]);
    for (let i = 0; i < 200 && stored.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      stored,
      [{ time: 1001e6, name: 'train/loss', value: '0.9' }],
      'stored while the trial runs',
    );
    appendEvents(train, [
      scalarEvent('loss', 0.5, 2, 1002, 'tensor-float'),
      scalarEvent('accuracy', 0.75, 2, 1002),
    ]);
    appendEvents(test, [scalarEvent('loss', 0.7, 2, 1003, 'tensor-double')]);
    writeFileSync(join(dir, 'logs', 'checkpoint.bin'), Buffer.alloc(1000, 7)); // not an event file: never read
    const stats = await collector.finish();
    assert.deepEqual(stored.map((l) => `${l.name}=${l.value}@${l.time / 1e6}`).sort(), [
      'accuracy=0.75@1002',
      'test/loss=0.7@1003',
      'train/loss=0.5@1002',
      'train/loss=0.9@1001',
    ]);
    assert.deepEqual(stats.pointsByMetric, { 'train/loss': 2, accuracy: 1, 'test/loss': 1 });
    assert.equal(stats.kind, 'TensorFlowEvent');
    assert.equal(stats.problems, 0, JSON.stringify(stats.problemExamples));
  });

  it('counts a truncated last record and a corrupt record as problems and keeps the rest', async () => {
    const dir = join(root, 'broken');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'events.out.tfevents.2');
    const good = frame(scalarEvent('loss', 0.5, 1, 1001));
    const corrupt = Buffer.from(frame(scalarEvent('loss', 0.4, 2, 1002)));
    corrupt.writeUInt8(corrupt.readUInt8(20) ^ 0xff, 20);
    writeFileSync(file, Buffer.concat([good, corrupt, good.subarray(0, 10)]));
    const stored: MetricLog[] = [];
    const stats = await startTfEventCollector(dir, root, ['loss'], async (l) => {
      stored.push(...l);
    }).finish();
    assert.deepEqual(
      stored.map((l) => l.value),
      ['0.5'],
    );
    assert.deepEqual(
      stats.problemExamples.map((p) => p.reason),
      ['TFRecord data check failed: record skipped', 'truncated record at the end (10 bytes)'],
    );
  });
});
