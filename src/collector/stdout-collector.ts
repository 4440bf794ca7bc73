import { LineCollector, type LineCollectorOptions, type TrialCollector } from './line-collector.js';
import type { MetricLineParser } from './line-parser.js';
import type { MetricSink } from './sink-writer.js';

/**
 * Where the StdOut collector reads lines: a running trial's output (src/runner's RunningTrial
 * fits). Contract: every line is delivered before the trial's wait() resolves.
 */
export interface LineSource {
  onLine(listener: (line: string, stream: 'stdout' | 'stderr', truncated?: boolean) => void): void;
  /**
   * Stops reading the output until the returned function is called (then the trial blocks on its
   * full pipe, as it would on a slow terminal). Optional: without it, points beyond the writer's
   * maxPending are dropped (counted) when the store cannot keep up.
   */
  holdOutput?(): () => void;
}

/**
 * Katib's StdOut collector, live: parses what the trial prints on stdout and stderr (Katib
 * redirects both into the file its sidecar reads) as the lines arrive. Attach it right after
 * the trial starts, before control returns to the event loop, so no line is missed.
 */
export function startStdOutCollector(
  source: LineSource,
  parser: MetricLineParser,
  sink: MetricSink,
  options: LineCollectorOptions = {},
): TrialCollector {
  // Back-pressure: while the points waiting for the store pass the writer's high-water mark, the
  // trial's output is not read, so a trial printing metrics faster than they can be stored is
  // slowed down instead of having them dropped.
  let release: (() => void) | undefined;
  const onPressure = (full: boolean): void => {
    options.onPressure?.(full);
    if (full) release ??= source.holdOutput?.();
    else {
      release?.();
      release = undefined;
    }
  };
  const core = new LineCollector('StdOut', parser, sink, { ...options, onPressure });
  source.onLine((line, _stream, truncated) => core.line(line, truncated === true));
  return {
    finish: () => core.finish(),
    stats: () => core.stats(),
    unsent: () => core.unsent(),
  };
}
