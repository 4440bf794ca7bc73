/**
 * What a print statement prints, as the rewriter sees it: literal text and code slots in order.
 * Built by each language's extractor from the parse tree, matched against the metrics filters
 * language-neutrally (metric-match.ts), and turned back into code by each language's generator.
 */

/** A piece of printed text whose content is only known at run time. */
export interface Slot {
  kind: 'slot';
  /**
   * The slot as the language's interpolation writes it: the text inside `{...}` of a Python
   * f-string, or inside `${...}` of a JavaScript template literal.
   */
  field: string;
  /** Code for the value to push when this slot is a metric's value. */
  value: string;
  /** Set when the slot is a whole argument of a multi-argument print (console.log(a, b)). */
  argument?: boolean;
}

export interface Text {
  kind: 'text';
  text: string;
}

export type Piece = Text | Slot;

export const text = (t: string): Text => ({ kind: 'text', text: t });

/** Adjacent text pieces merged, empty ones dropped. */
export function normalize(pieces: readonly Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const p of pieces) {
    if (p.kind === 'text') {
      if (p.text === '') continue;
      const last = out.at(-1);
      if (last?.kind === 'text') {
        out[out.length - 1] = text(last.text + p.text);
        continue;
      }
    }
    out.push(p);
  }
  return out;
}

/**
 * Slots stand for numbers shaped so that any sensible metrics filter reads one whole as a value
 * (digits, a point, digits), and no two are alike: a filter's value equal to a sentinel is that
 * slot's value.
 */
export function sentinel(index: number): string {
  return `0.${String(index + 1).padStart(3, '0')}7319`;
}

/** Private-use characters stand for slots in the skeleton (text in which spans are removed). */
const SLOT_BASE = 0xe000;
const SLOT_LIMIT = 0xf8ff;

export interface Rendered {
  /** The text with each slot as its sentinel: what the filters run on. */
  rendered: string;
  /** The text with each slot as one private-use character. */
  skeleton: string;
  /** Maps an offset in `rendered` to one in `skeleton`. */
  toSkeleton(offset: number): number;
  /** For each slot index, its [start, end) in `rendered`. */
  slotSpans: [number, number][];
  slots: Slot[];
}

/**
 * Renders pieces for matching. Returns undefined when a text contains the private-use
 * characters used as slot markers (cannot be told apart from a slot).
 */
export function render(pieces: readonly Piece[]): Rendered | undefined {
  let rendered = '';
  let skeleton = '';
  const slotSpans: [number, number][] = [];
  const slots: Slot[] = [];
  // Offsets where rendered and skeleton diverge: [renderedStart, skeletonStart, renderedLen].
  const marks: [number, number, number][] = [];
  for (const p of pieces) {
    if (p.kind === 'text') {
      for (const ch of p.text) {
        const c = ch.codePointAt(0)!;
        if (c >= SLOT_BASE && c <= SLOT_LIMIT) return undefined;
      }
      rendered += p.text;
      skeleton += p.text;
      continue;
    }
    const s = sentinel(slots.length);
    marks.push([rendered.length, skeleton.length, s.length]);
    slotSpans.push([rendered.length, rendered.length + s.length]);
    rendered += s;
    skeleton += String.fromCharCode(SLOT_BASE + slots.length);
    slots.push(p);
    if (slots.length > SLOT_LIMIT - SLOT_BASE) return undefined;
  }
  const toSkeleton = (offset: number): number => {
    let shift = 0;
    for (const [r, , len] of marks) {
      if (offset >= r + len) shift += len - 1;
      else if (offset > r) return offset - shift - (offset - r) + 1;
    }
    return offset - shift;
  };
  return { rendered, skeleton, toSkeleton, slotSpans, slots };
}

/** Pieces back from a skeleton (after spans were removed from it). */
export function fromSkeleton(skeleton: string, slots: readonly Slot[]): Piece[] {
  const out: Piece[] = [];
  let run = '';
  for (const ch of skeleton) {
    const c = ch.charCodeAt(0);
    if (c >= SLOT_BASE && c <= SLOT_LIMIT && slots[c - SLOT_BASE]) {
      if (run) out.push(text(run));
      run = '';
      out.push(slots[c - SLOT_BASE]!);
    } else run += ch;
  }
  if (run) out.push(text(run));
  return out;
}
