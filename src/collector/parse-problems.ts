/** One line the collector could not use (fully or partly), shortened for display. */
export interface ParseProblem {
  line: string;
  reason: string;
}

export const DEFAULT_MAX_PROBLEM_EXAMPLES = 20;
const MAX_EXAMPLE_CHARS = 200;

/**
 * Counts lines that were skipped or partly unusable and keeps the first few as examples: a
 * trial printing garbage costs a counter, not memory.
 */
export class ParseProblems {
  /** Lines skipped entirely (e.g. not JSON). */
  skippedLines = 0;
  /** All problems, including skipped lines and unusable values on otherwise good lines. */
  count = 0;
  readonly examples: ParseProblem[] = [];

  constructor(private readonly maxExamples: number = DEFAULT_MAX_PROBLEM_EXAMPLES) {}

  add(line: string, reason: string, skipped: boolean): void {
    this.count++;
    if (skipped) this.skippedLines++;
    if (this.examples.length < this.maxExamples) {
      const shown = line.length > MAX_EXAMPLE_CHARS ? `${line.slice(0, MAX_EXAMPLE_CHARS - 3)}...` : line;
      this.examples.push({ line: shown, reason });
    }
  }
}
