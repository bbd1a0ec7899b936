// What stands at a position of a pipeline document: a key, a value, a step reference, a name or
// filter inside a template, an AUTO tag. Every editor feature starts here.
import type { NodeSpan } from '../parse/yamlDocument';
import type { ValuePath } from '../spec/types';
import type { Analysis } from './index';
import type { AutoTag, StepReference, TemplateSite } from './model';
import { offsetAt } from '../parse/scalarOffsets';

export interface TemplateSpot {
  site: TemplateSite;
  /** Offset inside the template source. */
  index: number;
}

export interface Located {
  /** The deepest value path whose key or value covers the offset. */
  path: ValuePath;
  /** On the key itself (true) or in its value (false). */
  onKey: boolean;
  span: NodeSpan | null;
  reference: StepReference | null;
  template: TemplateSpot | null;
  autoTag: AutoTag | null;
}

function contains(start: number, end: number, offset: number): boolean {
  return start >= 0 && start <= offset && offset <= end;
}

/** The deepest span covering the offset, with its path. */
export function spanAt(root: NodeSpan | null, offset: number): { path: ValuePath; span: NodeSpan | null; onKey: boolean } {
  const path: ValuePath = [];
  let cur = root;
  let onKey = false;
  while (cur?.children) {
    let next: [string | number, NodeSpan] | null = null;
    for (const [k, child] of cur.children) {
      if (contains(child.keyStart, child.keyEnd, offset)) {
        path.push(k);
        return { path, span: child, onKey: true };
      }
      if (contains(child.start, child.end, offset)) {
        next = [k, child];
        break;
      }
    }
    if (!next) break;
    path.push(next[0]);
    cur = next[1];
    onKey = false;
  }
  return { path, span: cur, onKey };
}

function rangeContains(r: { start: { line: number; character: number }; end: { line: number; character: number } }, line: number, character: number): boolean {
  const afterStart = line > r.start.line || (line === r.start.line && character >= r.start.character);
  const beforeEnd = line < r.end.line || (line === r.end.line && character <= r.end.character);
  return afterStart && beforeEnd;
}

export function locate(a: Analysis, offset: number): Located {
  const pos = a.parsed.lines.position(offset);
  const { path, span, onKey } = spanAt(a.parsed.spans, offset);
  const reference = a.references.find((r) => rangeContains(r.range, pos.line, pos.character)) ?? null;
  const autoTag = a.autoTags.find((t) => rangeContains(t.range, pos.line, pos.character)) ?? null;
  let template: TemplateSpot | null = null;
  for (const site of a.templates) {
    if (site.offsets === null) continue;
    const o = site.offsets;
    if (offset < offsetAt(o, 0) || offset > offsetAt(o, site.source.length)) continue;
    // the template index whose document offset is the last at or before `offset`
    let lo = 0;
    let hi = site.source.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (offsetAt(o, mid) <= offset) lo = mid;
      else hi = mid - 1;
    }
    template = { site, index: offset === offsetAt(o, lo) ? lo : lo + 1 };
    break;
  }
  return { path, onKey, span, reference, template, autoTag };
}

/** Inside a template at `index`: the `{{ ... }}` or `{% ... %}` being written, if any. */
export function expressionBefore(source: string, index: number): string | null {
  const before = source.slice(0, index);
  const open = Math.max(before.lastIndexOf('{{'), before.lastIndexOf('{%'));
  if (open < 0) return null;
  const close = Math.max(before.lastIndexOf('}}'), before.lastIndexOf('%}'));
  if (close > open) return null;
  return before.slice(open + 2);
}
