// A span of a section the section cache reuses at another place in an edited document
// (engine/parse/yamlDocument.ts): its offsets moved, and those of its children moved when read.
import type { NodeSpan, SpanChildren } from './nodeSpan';
import type { ScalarStyle } from './scalarOffsets';

/**
 * A span moved by `delta` characters, whose children are moved when first read. An edit moves every
 * section after it (a character typed in the middle of 2,000 steps moves a thousand), and an
 * analysis reads most of them no deeper than their own span, where the step is: moving each whole
 * tree at once was a fifth of what an edit allocated. A moved span that is moved again points at
 * the span it was moved from, so no chain of them grows over a session.
 */
export class MovedSpan implements NodeSpan {
  start: number;
  end: number;
  keyStart: number;
  keyEnd: number;
  style?: ScalarStyle;
  /** The span whose children these are, moved by #delta; null once they are. */
  #from: NodeSpan | null;
  #delta: number;
  #children: SpanChildren | undefined;

  constructor(span: NodeSpan, delta: number) {
    this.start = span.start + delta;
    this.end = span.end + delta;
    this.keyStart = span.keyStart >= 0 ? span.keyStart + delta : -1;
    this.keyEnd = span.keyStart >= 0 ? span.keyEnd + delta : -1;
    this.style = span.style;
    // a moved span not read yet: move its source by both deltas
    if (span instanceof MovedSpan && span.#from) {
      this.#from = span.#from;
      this.#delta = span.#delta + delta;
    } else {
      this.#from = span.children ? span : null;
      this.#delta = delta;
    }
    this.#children = undefined;
  }

  get children(): SpanChildren | undefined {
    const from = this.#from;
    if (from) {
      const delta = this.#delta;
      this.#children = from.children!.map((c) => movedSpan(c, delta));
      this.#from = null;
    }
    return this.#children;
  }

  set children(children: SpanChildren | undefined) {
    this.#children = children;
    this.#from = null;
  }

  /** Whether it has children, without moving them. */
  hasChildren(): boolean {
    return this.#from !== null || this.#children !== undefined;
  }
}

/** A span moved by `delta`: a leaf (most spans: the scalars) as a plain span, 24 bytes smaller than
 * a MovedSpan and with nothing to move later; one with children as a MovedSpan. An edit's first
 * analysis reads every step after it, so these replace the spans of half the document. */
export function movedSpan(span: NodeSpan, delta: number): NodeSpan {
  if (hasChildren(span)) return new MovedSpan(span, delta);
  const start = span.start + delta;
  const end = span.end + delta;
  const keyStart = span.keyStart >= 0 ? span.keyStart + delta : -1;
  const keyEnd = span.keyStart >= 0 ? span.keyEnd + delta : -1;
  // the shapes the parsers make: with its style in the object, not added to it
  return span.style === undefined ? { start, end, keyStart, keyEnd } : { start, end, keyStart, keyEnd, style: span.style };
}

/** Whether a span has children, without moving those of a moved span. */
export function hasChildren(span: NodeSpan): boolean {
  return span instanceof MovedSpan ? span.hasChildren() : span.children !== undefined;
}
