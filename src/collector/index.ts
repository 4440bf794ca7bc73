export { type CollectorOptions, createLineParser, startCollector } from './collector.js';
export { DEFAULT_METRICS_FORMAT, matchDefaultFilter } from './default-filter.js';
export { startFileCollector } from './file-collector.js';
export { FileFollower, type FileFollowerOptions } from './file-follower.js';
export { createJsonParser, TIMESTAMP_KEY } from './json-parser.js';
export type { CollectorStats, LineCollectorOptions, TrialCollector } from './line-collector.js';
export type { MetricLineParser } from './line-parser.js';
export { DEFAULT_MAX_LINE_BYTES, type LineSink, LineSplitter } from './line-splitter.js';
export { parseMetricNumber } from './metric-number.js';
export {
  comparedValue,
  metricNamesOf,
  ObservationAccumulator,
  observationOf,
  strategyFor,
} from './observation.js';
export { DEFAULT_MAX_PROBLEM_EXAMPLES, type ParseProblem, ParseProblems } from './parse-problems.js';
export { type MetricSink, SinkWriter, type SinkWriterOptions, type SinkWriterStats } from './sink-writer.js';
export { type LineSource, startStdOutCollector } from './stdout-collector.js';
export { compileMetricsFormat, createTextParser } from './text-parser.js';
