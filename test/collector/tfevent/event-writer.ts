/**
 * A small TensorBoard event-file writer for the tests, written from the formats (Debian has no
 * TensorBoard writer): TFRecord framing with masked CRC32C around serialized tensorflow.Event
 * messages, scalars as TF1's `simple_value` or as TF2's one-element tensors.
 */
import { appendFileSync } from 'node:fs';
import { create, toBinary } from '@bufbuild/protobuf';
import { maskedCrc32c } from '../../../src/collector/tfevent/index.js';
import {
  DataType,
  EventSchema,
  Summary_ValueSchema,
  SummarySchema,
  TensorProtoSchema,
  TensorShapeProtoSchema,
} from '../../../src/gen/tensorflow/event_pb.js';

export function frame(data: Uint8Array): Buffer {
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(data.length));
  const crc = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  return Buffer.concat([length, crc(maskedCrc32c(length)), data, crc(maskedCrc32c(data))]);
}

export type ScalarStyle = 'simple' | 'tensor-float' | 'tensor-double' | 'tensor-content';

export function scalarEvent(
  tag: string,
  value: number,
  step: number,
  wallTime: number,
  style: ScalarStyle = 'simple',
): Uint8Array {
  const v =
    style === 'simple'
      ? create(Summary_ValueSchema, { tag, value: { case: 'simpleValue', value } })
      : create(Summary_ValueSchema, {
          tag,
          value: {
            case: 'tensor',
            value: create(TensorProtoSchema, {
              dtype: style === 'tensor-double' ? DataType.DT_DOUBLE : DataType.DT_FLOAT,
              tensorShape: create(TensorShapeProtoSchema, {}),
              ...(style === 'tensor-float' ? { floatVal: [value] } : {}),
              ...(style === 'tensor-double' ? { doubleVal: [value] } : {}),
              ...(style === 'tensor-content' ? { tensorContent: float32Bytes(value) } : {}),
            }),
          },
        });
  return toBinary(
    EventSchema,
    create(EventSchema, {
      wallTime,
      step: BigInt(step),
      what: { case: 'summary', value: create(SummarySchema, { value: [v] }) },
    }),
  );
}

export function versionEvent(wallTime: number): Uint8Array {
  return toBinary(
    EventSchema,
    create(EventSchema, { wallTime, what: { case: 'fileVersion', value: 'brain.Event:2' } }),
  );
}

function float32Bytes(value: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeFloatLE(value);
  return b;
}

/** Appends framed records to an event file, as a writer flushing does. */
export function appendEvents(file: string, events: Uint8Array[]): void {
  appendFileSync(file, Buffer.concat(events.map(frame)));
}
