// Where a node of a parsed YAML document stands in its text: the shape both readers (the yaml
// library's and the plain block reader) produce, and the children of a mapping or a sequence.
import type { ScalarStyle } from './scalarOffsets';

/** Where a node of the document is. Offsets are fields of the span itself, not pairs of their own:
 * a long pipeline has tens of thousands of spans, and their two arrays each were nearly a third of
 * what the parse kept alive (2.3 of 7.4 MiB at 2,000 steps), all of it copied by the garbage
 * collector while the document opens. */
export interface NodeSpan {
  /** Offsets of the value (for an alias: of the alias itself). */
  start: number;
  end: number;
  /** Offsets of the key, for a map entry; -1 for other nodes. */
  keyStart: number;
  keyEnd: number;
  style?: ScalarStyle;
  /** Entries of a mapping (by key) or a sequence (by index). */
  children?: SpanChildren;
}

/** Past this many entries a mapping is looked up through an index (a Map), made at its first lookup. */
const SCAN_MAX = 16;

/**
 * The entries of a mapping (by key) or of a sequence (by index), in their order, with a Map's
 * reads: keys and spans side by side in one array. A long pipeline has thousands of small
 * mappings and lists (each step, its parameters, its dependencies: three at least a step, 6,000
 * at 2,000 steps), and a Map of five entries takes about 360 bytes, its hash table most of it;
 * this takes about 180 when the array is no longer than its entries (`seal`). A sequence's item is
 * found by its index (and a key that is not one is absent: no scan, no index); a mapping's key by
 * a scan up to SCAN_MAX entries, and past that through a Map made at the first lookup and kept as
 * entries are added (60,000 parameters).
 */
export class SpanChildren implements Iterable<[string | number, NodeSpan]> {
  /** key, span, key, span, … */
  private e: (string | number | NodeSpan)[];
  private index: Map<string | number, number> | undefined = undefined;
  /** Whether each key is its entry's index (a sequence): any other key is then absent, found
   * without a scan or an index. */
  private dense: boolean;

  constructor(entries?: (string | number | NodeSpan)[]) {
    this.e = entries ?? [];
    let dense = true;
    for (let i = 0; i < this.e.length && dense; i += 2) dense = this.e[i] === i >> 1;
    this.dense = dense;
  }

  get size(): number {
    return this.e.length >> 1;
  }

  /** The array cut to its entries (one built by push keeps room for more): once a node is read. */
  seal(): this {
    this.e = this.e.slice();
    return this;
  }

  /** The slot of `key`'s span, or -1. */
  private slot(key: string | number): number {
    const e = this.e;
    // a sequence's item i is its i-th entry
    if (typeof key === 'number' && 2 * key + 1 < e.length && e[2 * key] === key) return 2 * key + 1;
    if (this.dense) return -1;
    if (e.length <= 2 * SCAN_MAX) {
      for (let i = 0; i < e.length; i += 2) if (e[i] === key) return i + 1;
      return -1;
    }
    let index = this.index;
    if (!index) {
      index = this.index = new Map();
      for (let i = 0; i < e.length; i += 2) index.set(e[i] as string | number, i + 1);
    }
    return index.get(key) ?? -1;
  }

  get(key: string | number): NodeSpan | undefined {
    const s = this.slot(key);
    return s < 0 ? undefined : (this.e[s] as NodeSpan);
  }

  has(key: string | number): boolean {
    return this.slot(key) >= 0;
  }

  /** Sets `key`'s span: in its place when it has one, else as the last entry. */
  set(key: string | number, span: NodeSpan): this {
    const s = this.slot(key);
    if (s >= 0) this.e[s] = span;
    else {
      if (this.dense && key !== this.e.length >> 1) this.dense = false;
      this.e.push(key, span);
      this.index?.set(key, this.e.length - 1);
    }
    return this;
  }

  *keys(): IterableIterator<string | number> {
    const e = this.e;
    for (let i = 0; i < e.length; i += 2) yield e[i] as string | number;
  }

  *values(): IterableIterator<NodeSpan> {
    const e = this.e;
    for (let i = 1; i < e.length; i += 2) yield e[i] as NodeSpan;
  }

  *entries(): IterableIterator<[string | number, NodeSpan]> {
    const e = this.e;
    for (let i = 0; i < e.length; i += 2) yield [e[i] as string | number, e[i + 1] as NodeSpan];
  }

  [Symbol.iterator](): IterableIterator<[string | number, NodeSpan]> {
    return this.entries();
  }

  /** The first entry's span. */
  first(): NodeSpan | undefined {
    return this.e[1] as NodeSpan | undefined;
  }

  /** The same keys, each span through `f`, in an array of their length. */
  map(f: (span: NodeSpan) => NodeSpan): SpanChildren {
    const e = this.e;
    const out = new Array<string | number | NodeSpan>(e.length);
    for (let i = 0; i < e.length; i += 2) {
      out[i] = e[i];
      out[i + 1] = f(e[i + 1] as NodeSpan);
    }
    return this.like(out);
  }

  /** A copy, to be changed without changing this one. */
  copy(): SpanChildren {
    return this.like(this.e.slice());
  }

  /** Children of these entries, known dense or not as these are. */
  private like(entries: (string | number | NodeSpan)[]): SpanChildren {
    const c = new SpanChildren();
    c.e = entries;
    c.dense = this.dense;
    return c;
  }
}
