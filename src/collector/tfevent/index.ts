export { type EventScalar, eventScalars } from './event-scalars.js';
export { metricsForTag } from './metric-match.js';
export { formatScalar } from './scalar-format.js';
export { startTfEventCollector, type TfEventCollectorOptions } from './tfevent-collector.js';
export { MAX_RECORD_BYTES, maskedCrc32c, TfRecordReader } from './tfrecord-reader.js';
