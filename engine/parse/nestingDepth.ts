// How deep a text nests YAML collections, checked before a parser that recurses into them reads it
// (the `yaml` library, and the plain block reader of a section). Past about a thousand levels the
// library runs out of stack, and when that happens while V8 compiles one of its regular
// expressions, V8 aborts the whole process ("RegExpCompiler Allocation failed - process out of
// memory"): no exception to catch. A language server given `steps: [[[[…` 4,000 or 20,000 levels
// deep, or 3,000 lines each indented one space more than the last, died with SIGABRT, taking
// every open document's features with it; a data step reading such a file would take the run's
// process. No pipeline nests a hundred levels, so past MAX_NESTING_DEPTH the text is not parsed.

/** The deepest nesting (block levels and bracketed levels together) a text may have and still be parsed. */
export const MAX_NESTING_DEPTH = 200;

/** `|` or `>` with its indicators (and a comment) ending a line: a block scalar's content follows. */
const BLOCK_SCALAR = /(?:^|[\s:-])[|>][-+0-9]*[ \t]*(?:#.*)?$/;

/**
 * The offset where the text first nests deeper than `limit` levels, or -1. An upper bound of the
 * depth a parser reaches, so that no text it passes can exhaust a parser's stack:
 * - a line opens a block level one deeper than the last less indented line's, or as many as the
 *   `- ` (or `? `) that start it (`- - - x` is three lists deep); the lines of a block scalar
 *   (`|`, `>`) are its content and open none;
 * - each `[` or `{` opens a level, and `]` or `}` closes one, counted wherever they are (in quoted
 *   strings and comments too, where they are balanced or few).
 */
export function tooDeepAt(text: string, limit = MAX_NESTING_DEPTH): number {
  if (text.length <= limit) return -1;
  // most texts have fewer lines, `- ` and openers than the limit in all (no level is opened
  // without one of them): nothing to scan
  let count = 1;
  for (const s of ['\n', '[', '{', '- ', '? ']) for (let i = text.indexOf(s); i >= 0 && count <= limit; i = text.indexOf(s, i + 1)) count++;
  if (count <= limit) return -1;

  const indents: number[] = [];
  const depths: number[] = [];
  let flow = 0;
  let scalarIndent = -1;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let at = start;
    while (at < end && text.charCodeAt(at) === 32) at++;
    const indent = at - start;
    const blank = at === end || text.charCodeAt(at) === 35 || (at + 1 === end && text.charCodeAt(at) === 13);
    if (!blank && scalarIndent >= 0 && indent > scalarIndent) {
      start = end + 1;
      continue;
    }
    scalarIndent = -1;
    let depth = indents.length ? depths[depths.length - 1] : 0;
    if (!blank && flow === 0) {
      while (indents.length && indents[indents.length - 1] >= indent) {
        indents.pop();
        depths.pop();
      }
      // one level for the line's collection, or one for each `- ` (`? `) that starts it
      let markers = 0;
      let p = at;
      while ((text.charCodeAt(p) === 45 || text.charCodeAt(p) === 63) && (text.charCodeAt(p + 1) === 32 || p + 1 === end)) {
        markers++;
        p += 2;
        while (p < end && text.charCodeAt(p) === 32) p++;
      }
      depth = (indents.length ? depths[depths.length - 1] : 0) + Math.max(1, markers);
      indents.push(indent);
      depths.push(depth);
      if (depth > limit) return at;
    }
    for (let i = at; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 91 || c === 123) {
        if (++flow + depth > limit) return i;
      } else if ((c === 93 || c === 125) && flow > 0) flow--;
    }
    if (!blank && flow === 0 && BLOCK_SCALAR.test(text.slice(at, end))) scalarIndent = indent;
    start = end + 1;
  }
  return -1;
}

/** What a finding or an error says of a text nested too deep. */
export function tooDeepMessage(limit = MAX_NESTING_DEPTH): string {
  return `Lists and mappings nest more than ${limit.toLocaleString('en-US')} levels deep here: the text is not read (no pipeline nests so deep, and reading it could exhaust the parser's stack).`;
}
