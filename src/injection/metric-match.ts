import { parseMetricNumber } from '../api/metric-value.js';
import { findMetricSpans, stripSpans } from './metric-spans.js';
import { fromSkeleton, normalize, type Piece, render } from './template.js';

/** What to recognise: the experiment's metric names and its compiled filters (`gd` flags). */
export interface MetricRules {
  names: ReadonlySet<string>;
  filters: readonly RegExp[];
}

export interface MetricPush {
  name: string;
  /** Code (in the print's language) for the value to push. */
  value: string;
}

/** How one print statement's text relates to the metrics. */
export type PrintMatch =
  /** Nothing metric-like: leave the statement alone, say nothing. */
  | { kind: 'none' }
  /** Metric-like but not rewritable: leave it, and report why. */
  | { kind: 'blocked'; reasons: string[]; metrics: string[] }
  /**
   * Rewritable: push `metrics`, then print `remaining` (undefined: print nothing). `notes` name
   * metric-like parts left as they were.
   */
  | { kind: 'rewrite'; metrics: MetricPush[]; remaining: Piece[] | undefined; notes: string[] };

/** Matches printed pieces against the metric rules (see PrintMatch). */
export function matchPrint(pieces: readonly Piece[], rules: MetricRules): PrintMatch {
  const rendered = render(normalize(pieces));
  if (!rendered) return { kind: 'none' };
  const { slotSpans, slots } = rendered;
  const spans = findMetricSpans(rendered.rendered, rules.filters);
  const overlapsSlot = (a: number, b: number): number => slotSpans.findIndex(([s, e]) => s < b && a < e);
  const taken: typeof spans = [];
  const metrics: MetricPush[] = [];
  const reasons: string[] = [];
  const notes: string[] = [];
  const blockedNames: string[] = [];
  for (const span of spans) {
    if (overlapsSlot(span.nameStart, span.nameEnd) >= 0) {
      notes.push('a metric name computed at run time (its name is not in the code)');
      continue;
    }
    if (!rules.names.has(span.name)) continue;
    const valueSlot = slotSpans.findIndex(([s, e]) => s === span.valueStart && e === span.valueEnd);
    const otherSlot = slotSpans.findIndex(([s, e], i) => i !== valueSlot && s < span.end && span.start < e);
    if (valueSlot >= 0 && otherSlot < 0) {
      metrics.push({ name: span.name, value: slots[valueSlot]!.value });
      taken.push(span);
    } else if (overlapsSlot(span.start, span.end) < 0) {
      if (parseMetricNumber(span.value) === undefined) {
        reasons.push(`metric ${span.name}: the value ${JSON.stringify(span.value)} is not a number`);
        blockedNames.push(span.name);
      } else {
        metrics.push({ name: span.name, value: JSON.stringify(span.value) });
        taken.push(span);
      }
    } else {
      reasons.push(
        `metric ${span.name}: its value mixes text and code, so which part is the number is only known at run time`,
      );
      blockedNames.push(span.name);
    }
  }
  const literal = literalText(rendered.rendered, slotSpans);
  for (const name of rules.names) {
    for (const at of wordPositions(literal, name)) {
      const covered = spans.some((s) => s.nameStart <= at && at < s.nameEnd);
      // Only a mention followed by a number (or a slot) looks like a metric: `loss: 0.3`.
      const numberNext = /^[ \t]*[:=]?[ \t]*[+-]?\.?\d/.test(rendered.rendered.slice(at + name.length));
      if (!covered && numberNext)
        notes.push(`mentions metric ${name} but not as the metrics format reads it (e.g. ${name}=0.5)`);
    }
  }
  if (reasons.length > 0) return { kind: 'blocked', reasons, metrics: blockedNames };
  if (metrics.length === 0) {
    if (notes.length > 0) return { kind: 'blocked', reasons: unique(notes), metrics: [] };
    return { kind: 'none' };
  }
  const skeletonSpans = taken.map((s) => ({
    start: rendered.toSkeleton(s.start),
    end: rendered.toSkeleton(s.end),
  }));
  const left = stripSpans(rendered.skeleton, skeletonSpans);
  return {
    kind: 'rewrite',
    metrics,
    remaining: left === undefined ? undefined : normalize(fromSkeleton(left, slots)),
    notes: unique(notes),
  };
}

/** `rendered` with every slot blanked out, so that words found in it are literal text. */
function literalText(rendered: string, slotSpans: readonly [number, number][]): string {
  let out = rendered;
  for (const [s, e] of slotSpans) out = out.slice(0, s) + ' '.repeat(e - s) + out.slice(e);
  return out;
}

/** Offsets where `word` occurs not glued to other name characters. */
function wordPositions(textIn: string, word: string): number[] {
  const out: number[] = [];
  const isName = (c: string | undefined): boolean => c !== undefined && /[\w|-]/.test(c);
  for (let i = textIn.indexOf(word); i >= 0; i = textIn.indexOf(word, i + 1)) {
    if (!isName(textIn[i - 1]) && !isName(textIn[i + word.length])) out.push(i);
  }
  return out;
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}
