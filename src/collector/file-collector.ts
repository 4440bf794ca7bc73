import { resolve } from 'node:path';
import { FileFollower, type FileFollowerOptions } from './file-follower.js';
import { LineCollector, type LineCollectorOptions, type TrialCollector } from './line-collector.js';
import type { MetricLineParser } from './line-parser.js';
import type { MetricSink } from './sink-writer.js';

/**
 * Katib's File collector, live: follows the metrics file while the trial runs (see FileFollower
 * for a file that appears late, is truncated or rotated) and reads it to the end on finish().
 * A relative `path` is resolved against the trial's working directory. Read errors (a directory
 * at the path, no permission) are reported as problems, once per kind, never thrown.
 */
export function startFileCollector(
  path: string,
  workingDir: string,
  parser: MetricLineParser,
  sink: MetricSink,
  options: LineCollectorOptions & FileFollowerOptions = {},
): TrialCollector {
  // Back-pressure: while the points waiting for the store pass the writer's high-water mark,
  // the file is not read further (it keeps the lines), so none are dropped for want of room.
  let room: Promise<void> | undefined;
  let free: (() => void) | undefined;
  const onPressure = (full: boolean): void => {
    options.onPressure?.(full);
    if (full) {
      room ??= new Promise<void>((resolve) => {
        free = resolve;
      });
    } else {
      free?.();
      room = undefined;
      free = undefined;
    }
  };
  const core = new LineCollector('File', parser, sink, { ...options, onPressure });
  const fullPath = resolve(workingDir, path);
  const follower = new FileFollower(
    fullPath,
    (line, truncated) => core.line(line, truncated),
    (reason) => core.problems.add(fullPath, reason, false),
    { ...options, waitForRoom: async () => room },
  );
  follower.start();
  return {
    async finish() {
      await follower.finish();
      return core.finish();
    },
    stats: () => core.stats(),
    unsent: () => core.unsent(),
  };
}
