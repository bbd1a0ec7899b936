// YAML that ContextLab reads and YAML refuses: an unquoted `<AUTO>…</AUTO>` value whose text holds
// `: ` or ` #`, e.g.
//
//     strategy: <AUTO>Given "{{ kind }}", what is best: "simple" or "expert"?</AUTO>
//
// ContextLab replaces every `<AUTO>` tag by a quoted placeholder before its YAML parser sees the text
// (its AutoTagYAMLParser), so there the tag is one string. This repair gives YAML the same reading
// with a text of the same length and lines: inside such a tag each `: ` becomes `:` and a no-break
// space, and each ` #` a no-break space and `#` (YAML's white space is only spaces and tabs). The
// values read are then given back their own text (`restore`), and every offset, range and line of
// the repaired text is the file's. Only what ContextLab reads as a tag is repaired: `<AUTO>` exactly
// (not `<AUTO task=…>`), closed on the same line, the whole value of a key or list item.

import type { ParsedYaml } from './parsedYaml';
import { parseWhole, withLazyDocument } from './yamlDocument';

const NBSP = '\u00a0';

export interface AutoTagRepair {
  /** The text with the tags' `: ` and ` #` changed, as long as the original. */
  text: string;
  /** Each repaired tag as the repaired text has it, and as the file has it. */
  tags: Map<string, string>;
}

/** Where a value may start on a line: after indentation, list dashes and a plain key with its colon. */
const VALUE_START = /^ *(?:- +)*(?:[^\s'"#:{}[\],&*!|>%@`-][^'"#:]*?: +)?$/;

/** Where a value's key and indentation may reach: a tag further into its line is not a value's start. */
const MAX_PREFIX = 400;

/** Each `<AUTO>` with the end of its matching `</AUTO>` (tags nest, as ContextLab counts them), in
 * one pass over the text: a hostile text of many unclosed tags costs no more than one of a few. */
function matchedTags(text: string): Map<number, number> {
  const marks: [number, boolean][] = [];
  for (let i = text.indexOf('<AUTO>'); i >= 0; i = text.indexOf('<AUTO>', i + 6)) marks.push([i, true]);
  for (let i = text.indexOf('</AUTO>'); i >= 0; i = text.indexOf('</AUTO>', i + 7)) marks.push([i, false]);
  marks.sort((a, b) => a[0] - b[0]);
  const open: number[] = [];
  const ends = new Map<number, number>();
  for (const [at, isOpen] of marks) {
    if (isOpen) open.push(at);
    else if (open.length) ends.set(open.pop()!, at + 7);
  }
  return ends;
}

export function repairPlainAutoTags(text: string): AutoTagRepair | null {
  if (!text.includes('<AUTO>')) return null;
  let out = '';
  let copied = 0;
  const tags = new Map<string, string>();
  // the start of the line of the tag looked at (tags come in order: the newlines are passed once)
  let lineStart = 0;
  let nextNewline = text.indexOf('\n');
  for (const [at, end] of [...matchedTags(text)].sort((a, b) => a[0] - b[0])) {
    while (nextNewline >= 0 && nextNewline < at) {
      lineStart = nextNewline + 1;
      nextNewline = text.indexOf('\n', lineStart);
    }
    if (at < copied || at - lineStart > MAX_PREFIX) continue; // inside a tag repaired already, or far into its line
    if (!VALUE_START.test(text.slice(lineStart, at))) continue;
    // on one line, and the rest of the line nothing or a comment
    if (nextNewline >= 0 && nextNewline < end) continue;
    const tag = text.slice(at, end);
    const rest = text.slice(end, nextNewline < 0 ? text.length : nextNewline);
    if (!/^(?:[ \t]+(?:#.*)?)?\r?$/.test(rest)) continue;
    // the space after a colon (before a hash) becomes the no-break space: the same length
    const repaired = tag.replace(/:[ \t]/g, `:${NBSP}`).replace(/[ \t]#/g, `${NBSP}#`);
    if (repaired === tag) continue;
    tags.set(repaired, tag);
    out += text.slice(copied, at) + repaired;
    copied = end;
  }
  if (!tags.size) return null;
  return { text: out + text.slice(copied), tags };
}

/** The value read from the repaired text with each repaired tag's own text back (a new tree; the
 * repaired one is not changed). */
export function restoreAutoTags(value: unknown, tags: Map<string, string>): unknown {
  // a repaired value is the repaired tag exactly (a plain value is its text from `<` to `>`)
  const fix = (s: string): string => tags.get(s) ?? s;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return fix(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      // defined, not assigned: a key `__proto__` stays a key
      for (const [k, x] of Object.entries(v)) Object.defineProperty(o, fix(k), { value: walk(x), enumerable: true, writable: true, configurable: true });
      return o;
    }
    return v;
  };
  return walk(value);
}

/** The text read as ContextLab reads it when its only YAML errors are such tags: the repaired text's
 * values (with the tags' own text) and spans, the file's text (its Document, for formatting, is the
 * file's too, and has the errors). Null when there is no such tag or the repair leaves an error. */
export function parseWithPlainAutoTags(text: string, parsed: ParsedYaml): ParsedYaml | null {
  const repair = repairPlainAutoTags(text);
  if (!repair) return null;
  const fixed = parseWhole(repair.text, parsed.lines);
  if (fixed.findings.some((f) => f.severity === 'error')) return null;
  return withLazyDocument({ text, lines: parsed.lines, value: restoreAutoTags(fixed.value, repair.tags), findings: fixed.findings, spans: fixed.spans });
}
