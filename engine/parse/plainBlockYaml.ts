// A fast reader for the plain block YAML most pipeline sections are written in: block mappings
// and lists, one-line plain and quoted scalars, and flow lists of plain words. It gives exactly the
// value and spans the yaml library's parse gives (test/engine/parse/plainBlockYaml.test.ts holds it to that)
// and declines (null) at anything else: comments, block scalars, flow mappings, anchors, tags,
// escapes, empty values, multi-line scalars. A declined section is parsed by the library.
//
// Why: the library's parse of a 2,000-step document allocates about 250 MiB (its lexer and parser
// hand every token through nested generators) and takes over half of opening the document, most of
// it in the garbage collector; this reader allocates little besides the value and the spans.
import { Document, isScalar } from 'yaml';
import { SpanChildren, type NodeSpan } from './nodeSpan';

/** One section read: the value of its whole text, the span of its entry (offsets moved by
 * `delta`), and where its top collection ends (relative to the text). */
export interface PlainSection {
  value: unknown;
  span: NodeSpan;
  end: number;
}

interface ScalarTest {
  test: RegExp;
  resolve: (value: string, onError: (message: string) => void, options: object) => unknown;
}

interface Read {
  value: unknown;
  span: NodeSpan;
  /** The end of the node including the rest of its last line (the library's `range[2]`). */
  after: number;
}

let plainTags: { tests: ScalarTest[]; options: object } | null = null;

/** The tags the library tries on a plain scalar, in its order, with the options it passes them. */
function scalarTags(options: object): { tests: ScalarTest[]; options: object } {
  if (plainTags) return plainTags;
  const doc = new Document(undefined, options);
  const tests = (doc.schema.tags as unknown as { default?: unknown; test?: RegExp; resolve: ScalarTest['resolve'] }[]).filter((t) => t.default === true && t.test instanceof RegExp).map((t) => ({ test: t.test!, resolve: t.resolve }));
  return (plainTags = { tests, options: doc.options });
}

/** The first characters of every plain scalar the core schema reads as other than text (`~`,
 * `null`, `true`, `false`, numbers, `.inf`, `.nan`; their capitalized forms). */
const MAYBE_NOT_TEXT = new Uint8Array(128);
for (const c of '0123456789+-.~nNtTfF') MAYBE_NOT_TEXT[c.charCodeAt(0)] = 1;

/** Characters this reader leaves to the library: controls (tabs included), DEL and C1, BOM. (A
 * regular expression: the engine's scan is many times faster than a loop in code not yet optimized,
 * as this reader's is while a long document's first sections are read.) */
const LEFT_TO_THE_LIBRARY = /[\x00-\x09\x0b-\x1f\x7f-\x9f\ufeff]/;

const SPACE = 32;
const NEWLINE = 10;

// The section being read. readPlainSection sets it, and the reader's functions below read it:
// they are made once, whereas as closures inside readPlainSection they were a dozen functions and a
// context made for every section (5.5 MiB of a 5,000-step document's open). One section is read
// at a time, start to end, with no call back into this module.
let src = '';
let len = 0;
let delta = 0;
let failed = false;
let backslashes = false;
let tests: ScalarTest[] = [];
let tagOptions: object = {};

const fail = (): null => {
  failed = true;
  return null;
};

const indentAt = (lineStart: number): number => {
  let i = lineStart;
  while (i < len && src.charCodeAt(i) === SPACE) i++;
  return i - lineStart;
};
/** After the spaces from `i`: the offset past the line break (or the text's end), or -1 when
 * anything else stands there. */
const lineRest = (i: number): number => {
  while (i < len && src.charCodeAt(i) === SPACE) i++;
  if (i === len) return len;
  return src.charCodeAt(i) === NEWLINE ? i + 1 : -1;
};
/** The start of the next line holding something from `at` (a line start), skipping empty lines;
 * `len` at the end. A line of spaces only is declined. */
const nextContent = (at: number): number => {
  while (at < len && src.charCodeAt(at) === NEWLINE) at++;
  if (at < len && lineRest(at) !== -1) return fail() ?? -1;
  return at;
};
/** The end of a key `name:` at `i` (a plain name followed by ': ' or ':' at the line's end), or -1. */
const keyEnd = (i: number): number => {
  const c = src.charCodeAt(i);
  if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) return -1;
  let j = i + 1;
  for (; j < len; j++) {
    const d = src.charCodeAt(j);
    if (!((d >= 65 && d <= 90) || (d >= 97 && d <= 122) || (d >= 48 && d <= 57) || d === 95 || d === 45)) break;
  }
  if (src.charCodeAt(j) !== 58 /* : */) return -1;
  const n = src.charCodeAt(j + 1);
  return j + 1 === len || n === SPACE || n === NEWLINE ? j : -1;
};
const plainValue = (text: string): unknown => {
  // the core schema's null, booleans and numbers all start with one of these; other text is text
  if (MAYBE_NOT_TEXT[text.charCodeAt(0)] !== 1) return text;
  for (let k = 0; k < tests.length; k++) {
    const t = tests[k];
    if (!t.test.test(text)) continue;
    let bad = false;
    const v = t.resolve(text, () => (bad = true), tagOptions);
    // a tag may answer with a scalar node (floats keep their format), whose value toJS gives
    const out = isScalar(v) ? v.value : v;
    if (bad || (out !== null && typeof out === 'object')) return fail();
    return out;
  }
  return text;
};

/** A quoted scalar on one line from `i` (its opening quote); `after` is left to the caller. */
const inlineQuoted = (i: number): Read | null => {
  const c = src.charCodeAt(i);
  // up to the closing quote; in single quotes '' is a quote
  let text = '';
  let from = i + 1;
  let j = src.indexOf(c === 34 ? '"' : "'", from);
  while (c === 39 && j >= 0 && src.charCodeAt(j + 1) === 39) {
    text += src.slice(from, j + 1);
    from = j + 2;
    j = src.indexOf("'", from);
  }
  // on one line: the break is looked for between the quotes only (a long line's end is far)
  if (j < 0 || src.slice(i, j).includes('\n')) return fail();
  if (c === 34 && backslashes && src.slice(i, j).includes('\\')) return fail();
  text += src.slice(from, j);
  return { value: text, span: { start: i + delta, end: j + 1 + delta, keyStart: -1, keyEnd: -1, style: c === 34 ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE' }, after: j + 1 };
};

/** A value on the rest of a line from `i` (past `key: ` or `- `): a scalar or a flow list. */
const inline = (i: number): Read | null => {
  const c = src.charCodeAt(i);
  if (c === 34 /* " */ || c === 39 /* ' */) {
    const read = inlineQuoted(i);
    if (!read) return null;
    const after = lineRest(read.span.end - delta);
    if (after < 0) return fail();
    read.after = after;
    return read;
  }
  if (c === 91 /* [ */ || c === 123 /* { */) return flowTop(i);
  // indicators that start something else than a plain scalar (a flow mapping, a block scalar, an
  // anchor, alias, tag or comment, ...), and a lone '-', '?' or ':'
  if (c === 123 || c === 125 || c === 93 || c === 44 || c === 124 || c === 62 || c === 37 || c === 64 || c === 96 || c === 38 || c === 42 || c === 33 || c === 35 || c === NEWLINE || i >= len) return fail();
  if ((c === 45 || c === 63 || c === 58) && (i + 1 >= len || src.charCodeAt(i + 1) === SPACE || src.charCodeAt(i + 1) === NEWLINE)) return fail();
  let e = src.indexOf('\n', i);
  if (e < 0) e = len;
  const lineEnd = e;
  while (src.charCodeAt(e - 1) === SPACE) e--;
  const text = src.slice(i, e);
  // ': ' would be a mapping, ':' at the end a key, ' #' a comment
  if (text.includes(': ') || text.includes(' #') || text.charCodeAt(text.length - 1) === 58) return fail();
  const value = plainValue(text);
  if (failed) return null;
  return { value, span: { start: i + delta, end: e + delta, keyStart: -1, keyEnd: -1, style: 'PLAIN' }, after: lineEnd === len ? len : lineEnd + 1 };
};

/** A flow list or mapping (`[a, b]`, `{id: s0, parameters: {command: echo}}`) on the rest of one
 * line, as a block value: what follows it on its line must be spaces. */
const flowTop = (open: number): Read | null => {
  const read = flowCollection(open, 0);
  if (!read || failed) return fail();
  const after = lineRest(read.after);
  if (after < 0) return fail();
  read.after = after;
  return read;
};

/** One flow collection on one line, of plain and quoted scalars and flow collections; `after` is
 * the offset right past its closing bracket. Declined: keys other than plain names, empty values,
 * `? `, a trailing comma, comments, anything across lines. */
const flowCollection = (open: number, depth: number): Read | null => {
  if (depth > 32) return fail();
  const map = src.charCodeAt(open) === 123; /* { */
  const close = map ? 125 : 93;
  const items: unknown[] = [];
  const value: Record<string, unknown> = {};
  const children = new SpanChildren();
  let i = open + 1;
  while (src.charCodeAt(i) === SPACE) i++;
  if (src.charCodeAt(i) !== close) {
    for (;;) {
      while (src.charCodeAt(i) === SPACE) i++;
      let read: Read | null;
      let name = '';
      if (map) {
        const ke = keyEnd(i);
        if (ke < 0 || ke - i > 1000 || src.charCodeAt(ke + 1) !== SPACE) return fail();
        name = src.slice(i, ke);
        if (children.has(name) || name === '__proto__' || plainValue(name) !== name) return fail();
        let v = ke + 1;
        while (src.charCodeAt(v) === SPACE) v++;
        read = flowNode(v, depth);
        if (!read || failed) return fail();
        read.span.keyStart = i + delta;
        read.span.keyEnd = ke + delta;
        value[name] = read.value;
        children.set(name, read.span);
      } else {
        read = flowNode(i, depth);
        if (!read || failed) return fail();
        children.set(items.length, read.span);
        items.push(read.value);
      }
      i = read.after;
      while (src.charCodeAt(i) === SPACE) i++;
      const d = src.charCodeAt(i);
      if (d === close) break;
      if (d !== 44 /* , */) return fail();
      i++;
      while (src.charCodeAt(i) === SPACE) i++;
      if (src.charCodeAt(i) === close) return fail();
    }
  }
  // lists are kept as copies of their own length: a value lives as long as its section, and an
  // array grown by push keeps room for 17 items or more
  return { value: map ? value : items.length ? items.slice() : items, span: { start: open + delta, end: i + 1 + delta, keyStart: -1, keyEnd: -1, children: children.seal() }, after: i + 1 };
};

/** A node inside a flow collection at `i`: a flow collection, a one-line quoted scalar, or a plain
 * scalar up to the next `,`, `]` or `}` (its trailing spaces left out). */
const flowNode = (i: number, depth: number): Read | null => {
  const c = src.charCodeAt(i);
  if (c === 91 || c === 123) return flowCollection(i, depth + 1);
  if (c === 34 || c === 39) {
    const read = inlineQuoted(i);
    if (read) read.after = read.span.end - delta;
    return read;
  }
  // indicators that start something else than a plain scalar, and a lone '-', '?' or ':'
  if (c === 93 || c === 125 || c === 44 || c === 124 || c === 62 || c === 37 || c === 64 || c === 96 || c === 38 || c === 42 || c === 33 || c === 35 || c === NEWLINE || i >= len) return fail();
  const n = src.charCodeAt(i + 1);
  if ((c === 45 || c === 63 || c === 58) && (i + 1 >= len || n === SPACE || n === 44 || n === 93 || n === 125)) return fail();
  let j = i;
  for (; j < len; j++) {
    const d = src.charCodeAt(j);
    // the end of the scalar, or what this reader leaves to the library (a colon, a comment, a line break)
    if (d === 44 || d === 93 || d === 125) break;
    if (d === 91 || d === 123 || d === 58 || d === 35 || d === NEWLINE) return fail();
  }
  let e = j;
  while (src.charCodeAt(e - 1) === SPACE) e--;
  const v = plainValue(src.slice(i, e));
  if (failed) return null;
  return { value: v, span: { start: i + delta, end: e + delta, keyStart: -1, keyEnd: -1, style: 'PLAIN' }, after: e };
};

/** The value of `key:` at the end of its line: a block mapping or list on the lines after, more
 * indented than the key's mapping (at `col`). */
const nested = (lineStart: number, col: number): Read | null => {
  const at = nextContent(lineStart);
  if (failed || at >= len) return fail();
  const n = indentAt(at);
  if (n <= col) return fail();
  const c = src.charCodeAt(at + n);
  if (c === 45 /* - */) return src.charCodeAt(at + n + 1) === SPACE ? blockList(at + n, n) : fail();
  return keyEnd(at + n) >= 0 ? blockMap(at + n, n) : fail();
};

/** After a node that ended at `after` (a line start) inside a collection at `col`: the offset of
 * its next entry at `col`, or -1 when the collection ends there. */
const nextEntry = (after: number, col: number): number => {
  const at = nextContent(after);
  if (failed || at >= len) return -1;
  const n = indentAt(at);
  if (n > col) return fail() ?? -1;
  return n === col ? at + n : -1;
};

const blockMap = (first: number, col: number): Read | null => {
  const value: Record<string, unknown> = {};
  const children = new SpanChildren();
  let i = first;
  let after = first;
  for (;;) {
    const ke = keyEnd(i);
    if (ke < 0 || ke - i > 1000) return fail();
    const name = src.slice(i, ke);
    // a key the core schema reads as something else than text, a duplicate, or the merge key
    if (children.has(name) || name === '__proto__' || plainValue(name) !== name) return fail();
    const v0 = ke + 1;
    const rest = lineRest(v0);
    let read: Read | null;
    if (rest >= 0) read = nested(rest, col);
    else {
      let v = v0;
      while (src.charCodeAt(v) === SPACE) v++;
      read = inline(v);
    }
    if (!read || failed) return fail();
    const span = read.span;
    span.keyStart = i + delta;
    span.keyEnd = ke + delta;
    value[name] = read.value;
    children.set(name, span);
    after = read.after;
    const next = nextEntry(after, col);
    if (failed) return null;
    if (next < 0) break;
    if (src.charCodeAt(next) === 45) return fail();
    i = next;
  }
  return { value, span: { start: first + delta, end: after + delta, keyStart: -1, keyEnd: -1, children: children.seal() }, after };
};

const blockList = (first: number, col: number): Read | null => {
  const items: unknown[] = [];
  const children = new SpanChildren();
  let i = first;
  let after = first;
  for (;;) {
    // `- ` then the item on the same line: a mapping when it starts with a key, else a value
    if (src.charCodeAt(i) !== 45 || src.charCodeAt(i + 1) !== SPACE) return fail();
    let v = i + 2;
    while (src.charCodeAt(v) === SPACE) v++;
    if (v >= len || src.charCodeAt(v) === NEWLINE) return fail();
    const lineStart = src.lastIndexOf('\n', v) + 1;
    const read = keyEnd(v) >= 0 ? blockMap(v, v - lineStart) : src.charCodeAt(v) === 45 && src.charCodeAt(v + 1) === SPACE ? fail() : inline(v);
    if (!read || failed) return fail();
    children.set(items.length, read.span);
    items.push(read.value);
    after = read.after;
    const next = nextEntry(after, col);
    if (failed) return null;
    if (next < 0) break;
    i = next;
  }
  return { value: items.slice(), span: { start: first + delta, end: after + delta, keyStart: -1, keyEnd: -1, children: children.seal() }, after };
};

/** Reads `text` (a top-level entry `key: ...`, or one `- ...` item of a list when `key` is a
 * number), which starts at offset `at` of the document, as the library would with `options`, or
 * returns null. */
export function readPlainSection(text: string, at: number, key: string | number, options: object): PlainSection | null {
  if (LEFT_TO_THE_LIBRARY.test(text)) return null;
  const tags = scalarTags(options);
  tests = tags.tests;
  tagOptions = tags.options;
  src = text;
  len = text.length;
  delta = at;
  failed = false;
  // escapes are left to the library: without a backslash anywhere, no quoted scalar needs a look
  backslashes = text.includes('\\');
  try {
    return readSection(key);
  } finally {
    // the text is not kept past its reading (it may be a slice of a whole document)
    src = '';
  }
}

function readSection(key: string | number): PlainSection | null {
  // the section: `key: ...` at column 0, or one `- ` item at its indent
  const start = nextContent(0);
  if (failed || start >= len) return null;
  const col = indentAt(start);
  let top: Read | null;
  if (typeof key === 'number') {
    top = src.charCodeAt(start + col) === 45 ? blockList(start + col, col) : null;
  } else {
    top = col === 0 && keyEnd(start) >= 0 ? blockMap(start, 0) : null;
  }
  if (!top || failed) return null;
  // nothing after the collection but empty lines
  if (nextContent(top.after) < len || failed) return null;
  const entries = top.span.children!;
  if (entries.size !== 1 || !entries.has(key)) return null;
  return { value: top.value, span: entries.get(key)!, end: top.after };
}

/**
 * Reads a whole document written as one flow mapping on one line (`{id: x, steps: [{id: s0, ...},
 * ...]}`), as the library would with `options`, or returns null: the value, the span of the mapping
 * and where it ends. Empty lines may stand before and after it, nothing else. The section plan
 * (yamlDocument.ts) declines such a document (its one line is no `key:`), and the library's parse of
 * a 4.9 MB one of 39,500 steps took 7.7 s of its 9.5 s analysis, most of it in the garbage collector.
 */
export function readPlainFlowDocument(text: string, options: object): PlainSection | null {
  if (LEFT_TO_THE_LIBRARY.test(text)) return null;
  const tags = scalarTags(options);
  tests = tags.tests;
  tagOptions = tags.options;
  src = text;
  len = text.length;
  delta = 0;
  failed = false;
  backslashes = text.includes('\\');
  try {
    const start = nextContent(0);
    if (failed || start >= len || src.charCodeAt(start) !== 123 /* { */) return null;
    const top = flowTop(start);
    if (!top || failed || nextContent(top.after) < len || failed) return null;
    return { value: top.value, span: top.span, end: top.after };
  } finally {
    src = '';
  }
}
