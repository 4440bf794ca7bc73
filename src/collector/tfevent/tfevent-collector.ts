import { resolve } from 'node:path';
import type { MetricLog } from '../../api/observation.js';
import { END_EPOCH_MICROS, nowMicros, START_EPOCH_MICROS } from '../../api/time.js';
import type { CollectorStats, LineCollectorOptions, TrialCollector } from '../line-collector.js';
import { ParseProblems } from '../parse-problems.js';
import { type MetricSink, SinkWriter } from '../sink-writer.js';
import { EventDirectory } from './event-directory.js';
import { eventScalars } from './event-scalars.js';
import { metricsForTag } from './metric-match.js';

export interface TfEventCollectorOptions extends LineCollectorOptions {
  /** How often the directory is checked for new events (default 200 ms). */
  pollIntervalMs?: number;
}

/**
 * Katib's TensorFlowEvent collector, live: follows the TensorBoard event files a trial writes
 * under `dir` (relative to its working directory) while it runs and reads them to the end on
 * finish(). Each scalar summary whose tag counts for a metric (Katib's rule, see metricsForTag)
 * is stored as that metric at the event's wall time. Bad framing, bad CRCs, undecodable events
 * and non-scalar values are skipped and counted as problems, never thrown.
 */
export function startTfEventCollector(
  dir: string,
  workingDir: string,
  metricNames: readonly string[],
  sink: MetricSink,
  options: TfEventCollectorOptions = {},
): TrialCollector {
  let room: Promise<void> | undefined;
  let free: (() => void) | undefined;
  const writer = new SinkWriter(sink, {
    ...options,
    onPressure: (full) => {
      options.onPressure?.(full);
      if (full) room ??= new Promise<void>((r) => (free = r));
      else {
        free?.();
        room = undefined;
      }
    },
  });
  const problems = new ParseProblems(options.maxProblemExamples);
  const pointsByMetric: Record<string, number> = {};
  let records = 0;
  const batch: MetricLog[] = [];
  const onRecord = (file: string, record: Buffer): void => {
    records++;
    let scalars: ReturnType<typeof eventScalars>;
    try {
      scalars = eventScalars(record, (tag, reason) => problems.add(`${file}: ${tag}`, reason, false));
    } catch (err) {
      problems.add(file, `not a TensorFlow Event: ${(err as Error).message}`, true);
      return;
    }
    for (const s of scalars) {
      let time = s.timeMicros;
      if (!(time >= START_EPOCH_MICROS && time < END_EPOCH_MICROS)) {
        problems.add(
          `${file}: ${s.tag}`,
          'wall_time outside years 0001-9999: stored at the time it was read',
          false,
        );
        time = nowMicros();
      }
      for (const name of metricsForTag(s.tag, file, metricNames)) {
        batch.push({ time, name, value: s.value });
        pointsByMetric[name] = (pointsByMetric[name] ?? 0) + 1;
      }
    }
    if (batch.length > 0) {
      writer.add(batch);
      batch.length = 0;
    }
  };
  const directory = new EventDirectory(
    resolve(workingDir, dir),
    onRecord,
    (file, reason) => problems.add(file, reason, false),
    {
      pollIntervalMs: options.pollIntervalMs,
      waitForRoom: async () => room,
    },
  );
  directory.start();
  const stats = (): CollectorStats => ({
    kind: 'TensorFlowEvent',
    ...writer.stats(),
    linesRead: records,
    linesTruncated: 0,
    pointsByMetric: { ...pointsByMetric },
    skippedLines: problems.skippedLines,
    problems: problems.count,
    problemExamples: [...problems.examples],
  });
  return {
    async finish() {
      await directory.finish();
      await writer.finish();
      return stats();
    },
    stats,
    unsent: () => writer.unsent(),
  };
}
