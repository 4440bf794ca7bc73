import type { CollectorKind } from '../api/experiment.js';
import type { MetricLog } from '../api/observation.js';
import { nowMicros } from '../api/time.js';
import type { MetricLineParser } from './line-parser.js';
import { type ParseProblem, ParseProblems } from './parse-problems.js';
import { type MetricSink, SinkWriter, type SinkWriterOptions, type SinkWriterStats } from './sink-writer.js';

/** What a collector did for one trial. */
export interface CollectorStats extends SinkWriterStats {
  kind: CollectorKind;
  linesRead: number;
  /** Lines longer than the line cap, cut to it (what fits is still parsed). */
  linesTruncated: number;
  /** Points found, per metric name (only wanted metrics appear). */
  pointsByMetric: Record<string, number>;
  /** Lines skipped entirely (e.g. not JSON). */
  skippedLines: number;
  /** Every problem, including skipped lines, bad values, bad time stamps, read errors. */
  problems: number;
  /** The first few problems, for a message or the dashboard. */
  problemExamples: ParseProblem[];
}

/**
 * One trial's metric collection. Contract: points are written to the sink live while the trial
 * runs; `finish()` is called once the trial has ended, reads what is left, writes everything and
 * resolves with the stats, or rejects UNAVAILABLE when points could not be written in time.
 * A collector never writes Katib's `unavailable` marker itself: whether the objective appeared
 * is in `pointsByMetric`, and the controller decides (the same way for every collector kind).
 */
export interface TrialCollector {
  finish(): Promise<CollectorStats>;
  stats(): CollectorStats;
  /** Points not written yet, oldest first: after finish() rejected, the caller may keep them. */
  unsent(): MetricLog[];
}

export interface LineCollectorOptions extends SinkWriterOptions {
  maxProblemExamples?: number;
}

/** The part every pull collector shares: lines in, parsed points out to a batched sink. */
export class LineCollector {
  readonly problems: ParseProblems;
  private readonly writer: SinkWriter;
  private readonly scratch: MetricLog[] = [];
  private linesRead = 0;
  private linesTruncated = 0;
  private readonly pointsByMetric: Record<string, number> = {};

  constructor(
    private readonly kind: CollectorKind,
    private readonly parser: MetricLineParser,
    sink: MetricSink,
    options: LineCollectorOptions = {},
  ) {
    this.problems = new ParseProblems(options.maxProblemExamples);
    this.writer = new SinkWriter(sink, options);
  }

  line(line: string, truncated = false): void {
    this.linesRead++;
    if (truncated) {
      this.linesTruncated++;
      this.problems.add(line, 'line too long: cut to the line cap, the rest dropped', false);
    }
    const out = this.scratch;
    this.parser.parse(line, nowMicros(), out, this.problems);
    if (out.length === 0) return;
    for (const log of out) this.pointsByMetric[log.name] = (this.pointsByMetric[log.name] ?? 0) + 1;
    this.writer.add(out);
    out.length = 0;
  }

  async finish(): Promise<CollectorStats> {
    await this.writer.finish();
    return this.stats();
  }

  stats(): CollectorStats {
    return {
      kind: this.kind,
      ...this.writer.stats(),
      linesRead: this.linesRead,
      linesTruncated: this.linesTruncated,
      pointsByMetric: { ...this.pointsByMetric },
      skippedLines: this.problems.skippedLines,
      problems: this.problems.count,
      problemExamples: [...this.problems.examples],
    };
  }

  /** Points still unwritten (after finish() rejected). */
  unsent(): MetricLog[] {
    return this.writer.unsent();
  }
}
