import { invalidArgument, KatibError } from '../api/errors.js';
import type { CollectorKind, MetricsCollectorSpec, ObjectiveSpec } from '../api/experiment.js';
import { startFileCollector } from './file-collector.js';
import type { FileFollowerOptions } from './file-follower.js';
import { createJsonParser } from './json-parser.js';
import type { CollectorStats, LineCollectorOptions, TrialCollector } from './line-collector.js';
import type { MetricLineParser } from './line-parser.js';
import { metricNamesOf } from './observation.js';
import type { MetricSink } from './sink-writer.js';
import { type LineSource, startStdOutCollector } from './stdout-collector.js';
import { createTextParser } from './text-parser.js';
import { startTfEventCollector } from './tfevent/index.js';

export interface CollectorOptions extends LineCollectorOptions, FileFollowerOptions {
  spec: MetricsCollectorSpec;
  objective: Pick<ObjectiveSpec, 'objectiveMetricName' | 'additionalMetricNames'>;
  /** The running trial, whose lines the StdOut collector reads. */
  trial: LineSource;
  /** The trial's working directory, against which a relative metrics file path is resolved. */
  workingDir: string;
  sink: MetricSink;
}

const SPEC = 'metricsCollectorSpec';

/**
 * The parser a collector spec calls for: TEXT (the default; `filter.metricsFormat` or Katib's
 * default filter) or JSON (File collector with `fileSystemPath.format: JSON`). Throws
 * INVALID_ARGUMENT for a bad filter, or a filter given with JSON.
 */
export function createLineParser(
  spec: MetricsCollectorSpec,
  metricNames: readonly string[],
): MetricLineParser {
  const metricsFormat = spec.source?.filter?.metricsFormat;
  const json = spec.collector.kind === 'File' && spec.source?.fileSystemPath?.format === 'JSON';
  if (!json) return createTextParser(metricNames, metricsFormat);
  if (metricsFormat && metricsFormat.length > 0) {
    throw invalidArgument(
      `${SPEC}.source.filter.metricsFormat`,
      metricsFormat,
      'applies to the TEXT format only, not JSON',
    );
  }
  return createJsonParser(metricNames);
}

/**
 * Starts collecting one trial's metrics as its collector spec says: StdOut (the trial's output
 * lines), File (a file it writes), TensorFlowEvent (event files it writes) or Push (nothing to collect: the trial reports itself). Call it
 * right after the trial starts; call `finish()` after the trial has ended. Also TensorFlowEvent
 * (TensorBoard event files under a directory). Throws INVALID_ARGUMENT for a bad spec and
 * UNIMPLEMENTED for PrometheusMetric and Custom, which katib-ts does not collect.
 */
export function startCollector(options: CollectorOptions): TrialCollector {
  const { spec, objective, trial, workingDir, sink } = options;
  const kind = spec.collector.kind;
  if (kind === 'Push') return pushCollector();
  const metricNames = metricNamesOf(objective);
  if (kind === 'StdOut')
    return startStdOutCollector(trial, createLineParser(spec, metricNames), sink, options);
  if (kind === 'File') {
    const fsPath = spec.source?.fileSystemPath;
    if (!fsPath?.path)
      throw invalidArgument(
        `${SPEC}.source.fileSystemPath.path`,
        fsPath?.path,
        'is required for the File collector',
      );
    if (fsPath.kind !== undefined && fsPath.kind !== 'File') {
      throw invalidArgument(
        `${SPEC}.source.fileSystemPath.kind`,
        fsPath.kind,
        'must be File for the File collector',
      );
    }
    return startFileCollector(fsPath.path, workingDir, createLineParser(spec, metricNames), sink, options);
  }
  if (kind === 'TensorFlowEvent') {
    const dir = spec.source?.fileSystemPath?.path;
    if (!dir)
      throw invalidArgument(
        `${SPEC}.source.fileSystemPath.path`,
        dir,
        'is required for the TensorFlowEvent collector (the directory the trial writes event files into)',
      );
    return startTfEventCollector(dir, workingDir, metricNames, sink, options);
  }
  throw new KatibError(
    'unimplemented',
    `${SPEC}.collector.kind: ${kind} collection is not supported by katib-ts; use Push, StdOut, File or TensorFlowEvent`,
    {
      field: `${SPEC}.collector.kind`,
    },
  );
}

/** The stats of a collector that reads nothing itself (Push; the Custom collector's own process). */
export function emptyCollectorStats(kind: CollectorKind): CollectorStats {
  return {
    kind,
    written: 0,
    pending: 0,
    dropped: 0,
    writeFailures: 0,
    linesRead: 0,
    linesTruncated: 0,
    pointsByMetric: {},
    skippedLines: 0,
    problems: 0,
    problemExamples: [],
  };
}

function pushCollector(): TrialCollector {
  const stats = (): CollectorStats => emptyCollectorStats('Push');
  return { finish: async () => stats(), stats, unsent: () => [] };
}
