import type { MetricLog } from '../api/observation.js';
import type { EpochMicros } from '../api/time.js';
import type { ParseProblems } from './parse-problems.js';

/**
 * Turns one line of trial output into metric points. Implementations keep only the metrics the
 * experiment asks for, never throw on bad input (they report it to `problems`), and stamp each
 * point with the line's own time stamp when it carries one, else with `readAt`.
 */
export interface MetricLineParser {
  /** Appends the points found in `line` to `out`. */
  parse(line: string, readAt: EpochMicros, out: MetricLog[], problems: ParseProblems): void;
}
