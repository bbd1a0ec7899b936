// Where a value path is in a parsed document: its span, the ranges of its key and value, the
// offsets of a string's characters, and a span made writable for one parse (copied on write).
import type { Range, ValuePath } from '../spec/types';
import type { NodeSpan } from './nodeSpan';
import { scalarOffsets, type SourceOffsets } from './scalarOffsets';
import type { ParsedYaml } from './parsedYaml';

/** A child span; a number also finds a mapping key that is digits (`1: x`). */
function child(span: NodeSpan, p: string | number): NodeSpan | undefined {
  return span.children?.get(p) ?? (typeof p === 'number' ? span.children?.get(String(p)) : undefined);
}

/** Looks a path up, falling back to the nearest ancestor that has a span (aliases, merges). */
export function spanOf(parsed: ParsedYaml, path: ValuePath): NodeSpan | undefined {
  let cur = parsed.spans;
  if (!cur) return undefined;
  for (const p of path) {
    const next = child(cur, p);
    if (!next) return cur;
    cur = next;
  }
  return cur;
}

export function exactSpan(parsed: ParsedYaml, path: ValuePath): NodeSpan | undefined {
  let cur: NodeSpan | undefined = parsed.spans ?? undefined;
  for (const p of path) {
    if (!cur) return undefined;
    cur = child(cur, p);
  }
  return cur;
}

/** Spans a parse made for itself (copied on write), by parse; all others may be shared with the section cache. */
const ownedSpans = new WeakMap<ParsedYaml, WeakSet<NodeSpan>>();

/** The span at `path`, to be changed: it and its ancestors are first copied when the section cache
 * shares them (other analyses hold the same objects), so a change stays in this parse. */
export function writableSpan(parsed: ParsedYaml, path: ValuePath): NodeSpan | undefined {
  let owned = ownedSpans.get(parsed);
  if (!owned) ownedSpans.set(parsed, (owned = new WeakSet()));
  const own = (s: NodeSpan): NodeSpan => {
    if (owned!.has(s)) return s;
    const copy: NodeSpan = { ...s, children: s.children?.copy() };
    if (!copy.children) delete copy.children;
    owned!.add(copy);
    return copy;
  };
  if (!parsed.spans) return undefined;
  let cur = (parsed.spans = own(parsed.spans));
  for (const p of path) {
    const k = cur.children?.has(p) ? p : typeof p === 'number' && cur.children?.has(String(p)) ? String(p) : undefined;
    if (k === undefined) return undefined;
    const next = own(cur.children!.get(k)!);
    cur.children!.set(k, next);
    cur = next;
  }
  return cur;
}

/** The range of the key at `path` (falls back to its value, then to ancestors). */
export function keyRange(parsed: ParsedYaml, path: ValuePath): Range {
  const s = exactSpan(parsed, path);
  if (s && s.keyStart >= 0) return parsed.lines.range(s.keyStart, s.keyEnd);
  return valueRange(parsed, path);
}

/** The range of the value at `path` (falls back to ancestors; an empty value gets its key). */
export function valueRange(parsed: ParsedYaml, path: ValuePath): Range {
  const s = spanOf(parsed, path);
  if (!s) return parsed.lines.range(0, Math.min(parsed.text.length, 1));
  if (s.end > s.start) return parsed.lines.range(s.start, s.end);
  if (s.keyStart >= 0) return parsed.lines.range(s.keyStart, s.keyEnd);
  return parsed.lines.range(s.start, s.end);
}

/** Offsets into the document of each character of the string value at `path`, or null. */
export function stringOffsets(parsed: ParsedYaml, path: ValuePath, value: string): SourceOffsets | null {
  const s = exactSpan(parsed, path);
  if (!s || !s.style) return null;
  return scalarOffsets(parsed.text, s.start, s.end, s.style, value);
}
