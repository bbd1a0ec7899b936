// Maps each character of a YAML scalar's value back to its offset in the document, so a finding
// inside a template (a name, a filter, an AUTO tag) points at the exact characters of the source,
// whatever the scalar's style: plain, quoted with escapes, block literal or folded.

export type ScalarStyle = 'PLAIN' | 'QUOTE_SINGLE' | 'QUOTE_DOUBLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED';

interface SourceChar {
  ch: string;
  offset: number;
}

function decodeSource(text: string, start: number, end: number, style: ScalarStyle): SourceChar[] {
  const out: SourceChar[] = [];
  if (style === 'PLAIN') {
    for (let i = start; i < end; i++) out.push({ ch: text[i], offset: i });
    return out;
  }
  if (style === 'BLOCK_LITERAL' || style === 'BLOCK_FOLDED') {
    let i = start;
    while (i < end && text[i] !== '\n') i++; // the header line: `|`, `>-`, `|2` ...
    for (; i < end; i++) out.push({ ch: text[i], offset: i });
    return out;
  }
  if (style === 'QUOTE_SINGLE') {
    for (let i = start + 1; i < end - 1; i++) {
      out.push({ ch: text[i], offset: i });
      if (text[i] === "'" && text[i + 1] === "'") i++;
    }
    return out;
  }
  // QUOTE_DOUBLE
  const simple: Record<string, string> = {
    '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
    ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029',
  };
  for (let i = start + 1; i < end - 1; i++) {
    const c = text[i];
    if (c !== '\\') {
      out.push({ ch: c, offset: i });
      continue;
    }
    const n = text[i + 1];
    if (n === undefined) break;
    if (n in simple) {
      out.push({ ch: simple[n], offset: i });
      i++;
    } else if (n === 'x' || n === 'u' || n === 'U') {
      const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
      const code = parseInt(text.slice(i + 2, i + 2 + len), 16);
      const s = Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : '';
      for (const unit of s.split('')) out.push({ ch: unit, offset: i });
      i += 1 + len;
    } else if (n === '\n' || n === '\r') {
      // an escaped line break joins the lines: it produces nothing
      i++;
      if (n === '\r' && text[i + 1] === '\n') i++;
    } else {
      out.push({ ch: n, offset: i });
      i++;
    }
  }
  return out;
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/**
 * Where each character of a string value stands in the document, and one past its last character.
 * A number when the value is written as it reads (no escapes, no folded lines: most templates), its
 * character i then at that offset + i; else one offset per character and one past the end. The
 * number spares an array per string: 2,668 typed arrays, each with its own buffer, on a 2,000-step
 * pipeline, made while the document opens and kept with its analysis.
 */
export type SourceOffsets = number | Int32Array;

/** The document offset of character `i` of the value (`i` = its length: one past its end). */
export function offsetAt(offsets: SourceOffsets, i: number): number {
  return typeof offsets === 'number' ? offsets + i : offsets[i];
}

/** The same offsets, `delta` characters further on. */
export function movedOffsets(offsets: SourceOffsets, delta: number): SourceOffsets {
  return typeof offsets === 'number' ? offsets + delta : offsets.map((o) => o + delta);
}

/**
 * The document offsets of each character of `value`, which is written at [start, end) in `style`
 * (see SourceOffsets). Greedy alignment over the decoded source: folded line breaks and indentation
 * are skipped.
 */
export function scalarOffsets(text: string, start: number, end: number, style: ScalarStyle, value: string): SourceOffsets {
  // the common case, a value written as it reads: character i is at the body's start + i, which is
  // what the alignment below finds, without decoding the source
  if (!style.startsWith('BLOCK')) {
    const body = style === 'PLAIN' ? start : start + 1;
    const bodyEnd = style === 'PLAIN' ? end : end - 1;
    if (bodyEnd - body === value.length && text.startsWith(value, body)) return body;
  }
  const offsets = new Int32Array(value.length + 1);
  const src = decodeSource(text, start, end, style);
  let p = 0;
  let last = style === 'PLAIN' || style.startsWith('BLOCK') ? start : start + 1;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    let q = p;
    while (q < src.length && src[q].ch !== c && !(isSpace(c) && isSpace(src[q].ch))) q++;
    if (q < src.length) {
      last = src[q].offset;
      p = q + 1;
    }
    offsets[i] = last;
  }
  offsets[value.length] = p > 0 && p <= src.length ? src[p - 1].offset + 1 : last;
  return offsets;
}
