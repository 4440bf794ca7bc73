import { fromBinary } from '@bufbuild/protobuf';
import { DataType, EventSchema, type TensorProto } from '../../gen/tensorflow/event_pb.js';
import { formatScalar, halfToNumber } from './scalar-format.js';

/** One scalar summary of an event: its tag, its value as text, when and at which step. */
export interface EventScalar {
  tag: string;
  value: string;
  /** The event's wall_time (seconds since the epoch) in microseconds. */
  timeMicros: number;
  step: bigint;
}

/**
 * The scalar summaries of one serialized `tensorflow.Event`: `simple_value` (TF1 summaries,
 * tensorboardX) and one-element numeric tensors (TF2's tf.summary.scalar, PyTorch's
 * SummaryWriter with new-style scalars), both as Katib's collector reads them. Values that are
 * not one number (histograms, images, text, a tensor of several elements) are passed to
 * `onProblem` with the reason and skipped. Throws only for bytes that are not an Event at all.
 */
export function eventScalars(
  bytes: Uint8Array,
  onProblem: (tag: string, reason: string) => void,
): EventScalar[] {
  const event = fromBinary(EventSchema, bytes);
  if (event.what.case !== 'summary') return [];
  const timeMicros = Math.round(event.wallTime * 1e6);
  const out: EventScalar[] = [];
  for (const v of event.what.value.value) {
    if (v.value.case === 'simpleValue') {
      out.push({ tag: v.tag, value: formatScalar(v.value.value, 'float32'), timeMicros, step: event.step });
    } else if (v.value.case === 'tensor') {
      const read = tensorScalar(v.value.value);
      if (typeof read === 'string') onProblem(v.tag, read);
      else out.push({ tag: v.tag, value: read.text, timeMicros, step: event.step });
    }
  }
  return out;
}

/** The single number a scalar tensor holds, as text, or why it holds none. */
function tensorScalar(t: TensorProto): { text: string } | string {
  const elements = (t.tensorShape?.dim ?? []).reduce((n, d) => n * Number(d.size), 1);
  if (elements !== 1) return `a tensor of ${elements} elements, not a scalar`;
  const raw = t.tensorContent;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (t.dtype) {
    case DataType.DT_FLOAT: {
      const x = raw.length >= 4 ? view.getFloat32(0, true) : t.floatVal[0];
      return x === undefined ? 'an empty float tensor' : { text: formatScalar(x, 'float32') };
    }
    case DataType.DT_DOUBLE: {
      const x = raw.length >= 8 ? view.getFloat64(0, true) : t.doubleVal[0];
      return x === undefined ? 'an empty double tensor' : { text: formatScalar(x, 'float64') };
    }
    case DataType.DT_HALF: {
      const bits = raw.length >= 2 ? view.getUint16(0, true) : t.halfVal[0];
      return bits === undefined
        ? 'an empty half tensor'
        : { text: formatScalar(halfToNumber(bits), 'float32') };
    }
    case DataType.DT_INT32:
    case DataType.DT_INT16:
    case DataType.DT_INT8:
    case DataType.DT_UINT8: {
      const x = raw.length > 0 ? intFromContent(view, t.dtype) : t.intVal[0];
      return x === undefined ? 'an empty int tensor' : { text: String(x) };
    }
    case DataType.DT_INT64: {
      const x = raw.length >= 8 ? view.getBigInt64(0, true) : t.int64Val[0];
      return x === undefined ? 'an empty int64 tensor' : { text: String(x) };
    }
    default:
      return `a tensor of type ${DataType[t.dtype] ?? t.dtype}, not a number`;
  }
}

function intFromContent(view: DataView, dtype: DataType): number | undefined {
  const need = dtype === DataType.DT_INT32 ? 4 : dtype === DataType.DT_INT16 ? 2 : 1;
  if (view.byteLength < need) return undefined;
  if (dtype === DataType.DT_INT32) return view.getInt32(0, true);
  if (dtype === DataType.DT_INT16) return view.getInt16(0, true);
  return dtype === DataType.DT_INT8 ? view.getInt8(0) : view.getUint8(0);
}
