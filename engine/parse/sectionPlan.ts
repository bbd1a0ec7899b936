// Where the sections of a document are, for the section-by-section parse (yamlDocument.ts): its
// top-level keys, and the items of its `steps` list. Planned from the whole text, or, for the next
// version of a document being edited, from the last version's plan and the one stretch of lines
// the edit changed: a keystroke in a 2,000-step document (468 KB, 15,000 lines) no longer looks at
// every line and every character to find the same plan again (its line starts and plan took 1.34 ms
// from the whole text, 0.11 from the last version's).
import { LineIndex } from './lineIndex';
import { hasAnchorOrAlias, startsALine } from './sectionGuards';

const TOP_KEY = /^([A-Za-z_][\w-]*)[ \t]*:(?=[ \t]|\r?$)/;
const STEPS_KEY = /^steps[ \t]*:[ \t]*(#.*)?$/;

export interface SectionPlan {
  /** Top-level keys in order, with their line. */
  starts: { line: number; key: string }[];
  /** Every section to parse: a top-level entry, or one item of the `steps` list. */
  sections: { from: number; to: number; key: string; item: number | null }[];
  /** The lines where the items of `steps` start (null when it is read as one section), and their indent. */
  items: number[] | null;
  indent: number;
}

/** A text with its lines and plan: what the next version of the same document is planned from. */
export interface PlannedText {
  text: string;
  lines: LineIndex;
  plan: SectionPlan;
}

/** What the line guards decline: a document marker or directive at a line's start. */
const MARKERS = ['---', '...', '%'];

/** Where the sections of a document are, or null when it cannot be read by sections. */
export function planSections(text: string, lines: LineIndex): SectionPlan | null {
  if (text.includes('\t') || text.includes('\r') || startsALine(text, MARKERS) || hasAnchorOrAlias(text)) return null;
  // top-level sections start at lines that begin with a key in column 0
  const starts: { line: number; key: string }[] = [];
  for (let l = 0; l < lines.lineCount; l++) {
    const key = topKeyAt(text, lines, l);
    if (key === null) return null;
    if (key) starts.push({ line: l, key });
  }
  if (!starts.length || new Set(starts.map((x) => x.key)).size !== starts.length) return null;
  const s = starts.findIndex((x) => x.key === 'steps');
  const listed = s >= 0 ? stepItems(lines, starts[s].line, s + 1 < starts.length ? starts[s + 1].line : lines.lineCount) : null;
  return withSections(text, lines, starts, listed);
}

/**
 * The plan of `text`, the next version of `last`'s document, made from `last`'s plan when the two
 * differ in lines that start no top-level key, hold no item of `steps` at another indent, and add
 * none of what the guards decline (a tab, a carriage return, a document marker, an anchor or an
 * alias): the lines before the change keep their place, those after it move by as many lines and
 * characters as it added. Null when it cannot tell (the caller plans the whole text): the plan it
 * returns is always the one `planSections` makes of the whole text (test/engine/parse/sectionPlan.test.ts).
 */
export function replanSections(last: PlannedText, text: string): { lines: LineIndex; plan: SectionPlan } | null {
  const old = last.text;
  const prefix = commonPrefix(old, text);
  if (prefix === old.length && prefix === text.length) return { lines: last.lines, plan: last.plan };
  const suffix = commonSuffix(old, text, Math.min(old.length, text.length) - prefix);
  const changedTo = text.length - suffix;
  // another text altogether, or most of this one changed: the whole plan costs no more
  if (changedTo - prefix > text.length / 4) return null;
  // what the guards look for, brought by the changed characters themselves
  const added = text.slice(prefix, changedTo);
  if (added.includes('\t') || added.includes('\r') || added.includes('\u2028') || added.includes('\u2029')) return null;
  const lines = last.lines.edited(text, prefix, suffix);
  const first = lines.position(prefix).line;
  const lastNew = lines.position(changedTo).line;
  const lastOld = last.lines.position(old.length - suffix).line;
  // the changed lines, whole (their ends included): a marker or an anchor made by the change is in them
  const changedLines = text.slice(lines.lineStart(first), lines.lineStart(lastNew + 1));
  if (startsALine(changedLines, MARKERS) || hasAnchorOrAlias(changedLines)) return null;
  // no changed line, before or after, starts a top-level key
  for (let l = first; l <= lastNew; l++) if (topKeyAt(text, lines, l) !== '') return null;
  for (let l = first; l <= lastOld; l++) if (topKeyAt(old, last.lines, l) !== '') return null;
  const shift = lastNew - lastOld;
  const moved = (line: number) => (line > lastOld ? line + shift : line);
  const starts = shift ? last.plan.starts.map((x) => ({ line: moved(x.line), key: x.key })) : last.plan.starts;
  const s = starts.findIndex((x) => x.key === 'steps');
  const inList = s >= 0 && lastNew > starts[s].line && (s + 1 === starts.length || first < starts[s + 1].line);
  const was = last.plan.items;
  let listed: { items: number[]; indent: number } | null = null;
  if (inList) {
    // a change in the list's lines before its first item, or in a list read as one section (a line
    // less indented than its items, say), can change what the list is: planned from the whole text
    if (!was || first <= was[0]) return null;
    const items: number[] = [];
    let k = 0;
    while (k < was.length && was[k] < first) items.push(was[k++]);
    for (let l = first; l <= lastNew; l++) {
      const kind = itemLine(lines, l, last.plan.indent);
      if (kind === null) return null;
      if (kind) items.push(l);
    }
    while (k < was.length && was[k] <= lastOld) k++;
    for (; k < was.length; k++) items.push(was[k] + shift);
    listed = { items, indent: last.plan.indent };
  } else if (was) listed = { items: shift ? was.map(moved) : was, indent: last.plan.indent };
  return { lines, plan: withSections(text, lines, starts, listed) };
}

/** The key a top-level line starts ('' for a line that starts none: indented, a comment, empty), or
 * null for a line in column 0 that is not a key (the text cannot be read by sections). */
function topKeyAt(text: string, lines: LineIndex, l: number): string | null {
  // most lines are indented: their first character says so without cutting the line out
  const first = text.charCodeAt(lines.lineStart(l));
  if (first === 32 || first === 35 || first === 10 || Number.isNaN(first)) return '';
  const t = lines.lineText(l);
  if (!t || t[0] === ' ' || t[0] === '#') return '';
  const m = TOP_KEY.exec(t);
  return m ? m[1] : null;
}

function withSections(text: string, lines: LineIndex, starts: SectionPlan['starts'], listed: { items: number[]; indent: number } | null): SectionPlan {
  const at = (line: number) => (line >= lines.lineCount ? text.length : lines.lineStart(line));
  const sections: SectionPlan['sections'] = [];
  for (let i = 0; i < starts.length; i++) {
    const { line, key } = starts[i];
    const from = i === 0 ? 0 : at(line);
    const to = i + 1 < starts.length ? at(starts[i + 1].line) : text.length;
    const items = key === 'steps' ? (listed?.items ?? null) : null;
    if (items) for (let k = 0; k < items.length; k++) sections.push({ from: at(items[k]), to: k + 1 < items.length ? at(items[k + 1]) : to, key, item: k });
    else sections.push({ from, to, key, item: null });
  }
  return { starts, sections, items: listed?.items ?? null, indent: listed?.indent ?? -1 };
}

/** The lines where the items of a block list under `steps:` start, with their indent, or null if it is not one. */
function stepItems(lines: LineIndex, keyLine: number, endLine: number): { items: number[]; indent: number } | null {
  if (!STEPS_KEY.test(lines.lineText(keyLine))) return null;
  let indent = -1;
  const items: number[] = [];
  for (let l = keyLine + 1; l < endLine; l++) {
    if (indent < 0) {
      // before the first item: blank lines and comments, then an item, whose indent is the list's
      const t = lines.lineText(l);
      if (!t.trim() || /^\s*#/.test(t)) continue;
      const m = /^( *)-(?: |$)/.exec(t);
      if (!m) return null;
      indent = m[1].length;
      items.push(l);
      continue;
    }
    const kind = itemLine(lines, l, indent);
    if (kind === null) return null;
    if (kind) items.push(l);
  }
  return items.length ? { items, indent } : null;
}

/** Whether line `l` starts an item of a list at `indent` (true), belongs to the item before it or is
 * blank or a comment (false), or ends the list (null: less indented, the list is not read alone). */
function itemLine(lines: LineIndex, l: number, indent: number): boolean | null {
  const text = lines.text;
  // the usual line read from its characters: spaces, then a plain ASCII character that is not '-' or '#'
  const start = lines.lineStart(l);
  let at = start;
  while (text.charCodeAt(at) === 32) at++;
  const c = text.charCodeAt(at);
  if (c > 32 && c < 127 && c !== 35 && c !== 45) return at - start > indent ? false : null;
  // `- ` (or a lone `-`): an item of the list when at its indent
  if (c === 45 && (text.charCodeAt(at + 1) === 32 || text.charCodeAt(at + 1) === 10 || at + 1 === text.length)) {
    if (at - start === indent) return true;
    return at - start < indent ? null : false;
  }
  const t = lines.lineText(l);
  if (!t.trim() || /^\s*#/.test(t)) return false;
  const m = /^( *)-(?: |$)/.exec(t);
  if (m && m[1].length === indent) return true;
  return /^ */.exec(t)![0].length <= indent ? null : false;
}

/** Compared a stretch at a time: V8 compares two strings' characters many times faster than a loop
 * here can (a 468 KB text in about 40 µs, where a loop of charCodeAt took 2 ms). */
const STRETCH = 4096;

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i + STRETCH <= n && a.slice(i, i + STRETCH) === b.slice(i, i + STRETCH)) i += STRETCH;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** The length of the common end of `a` and `b`, at most `max`. */
function commonSuffix(a: string, b: string, max: number): number {
  let i = 0;
  while (i + STRETCH <= max && a.slice(a.length - i - STRETCH, a.length - i) === b.slice(b.length - i - STRETCH, b.length - i)) i += STRETCH;
  while (i < max && a.charCodeAt(a.length - 1 - i) === b.charCodeAt(b.length - 1 - i)) i++;
  return i;
}
