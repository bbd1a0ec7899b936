// Edits of a pipeline's text as the graph editor and `orc edit` make them: replacements of exact
// character ranges, computed from the parse's spans, so everything outside them stays byte for byte.
import type { NodeSpan } from '../parse/nodeSpan';

export interface TextEdit {
  /** Offsets in the text before any edit. */
  start: number;
  end: number;
  newText: string;
}

/** Why an edit cannot be made; the file is left as it is. */
export class EditRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EditRefused';
  }
}

/** The text with the edits applied (they must not overlap). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let at = 0;
  for (const e of sorted) {
    if (e.start < at) throw new Error('overlapping edits');
    out += text.slice(at, e.start) + e.newText;
    at = e.end;
  }
  return out + text.slice(at);
}

export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The offset of the line break that ends the line holding `offset` (the text's length on the last line). */
export function lineEnd(text: string, offset: number): number {
  const i = text.indexOf('\n', offset);
  if (i === -1) return text.length;
  return text[i - 1] === '\r' ? i - 1 : i;
}

/** Past the line break that ends the line holding `offset`. */
export function nextLineStart(text: string, offset: number): number {
  const i = text.indexOf('\n', offset);
  return i === -1 ? text.length : i + 1;
}

/** The last offset of a node's content, leaving out a trailing line break and blank lines a block value's span may hold. */
export function contentEnd(text: string, span: NodeSpan): number {
  let end = span.end;
  while (end > span.start && /\s/.test(text[end - 1])) end--;
  return end;
}

/** Whether a sequence or mapping is written in flow style (`[a, b]`, `{a: 1}`). */
export function isFlow(text: string, span: NodeSpan): boolean {
  return text[span.start] === '[' || text[span.start] === '{';
}

/** A line's leading spaces. */
export function indentOf(text: string, offset: number): string {
  const from = lineStart(text, offset);
  let i = from;
  while (text[i] === ' ') i++;
  return text.slice(from, i);
}

/** A scalar step id as it is written in a flow list or after a dash: plain when YAML reads it back as that string. */
export function yamlId(id: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(id) && !/^(true|false|null|yes|no|on|off|y|n|~)$/i.test(id) ? id : JSON.stringify(id);
}
