// Where a node of a parsed YAML document stands in its text: the shape both readers (the yaml
// library's and the plain block reader) produce.
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
  children?: Map<string | number, NodeSpan>;
}
