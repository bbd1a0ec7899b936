// What the user is typing at a position: a key of some mapping, the value of some key, an item of
// a dependency list, or something inside a template. Works on half-typed text, where the YAML
// around the cursor may not parse yet: the lines above tell which mapping the cursor is in.
import type { ValuePath } from '../spec/types';
import type { Analysis } from './index';
import { expressionBefore, locate, spanAt } from './locate';
import type { TemplateSite } from './model';
import { stepIdAt } from '../spec/values';

export type CompletionContext =
  | { kind: 'key'; mapping: ValuePath; partial: string; newListItem: boolean }
  | { kind: 'value'; mapping: ValuePath; key: string; partial: string }
  | { kind: 'list-item'; mapping: ValuePath; key: string; partial: string }
  | { kind: 'template'; site: TemplateSite | null; step: string | null; mapping: ValuePath; expression: string }
  | { kind: 'none' };

export interface LineInfo {
  /** Column of the key on the line (after `- ` for a list item), or -1. */
  keyCol: number;
  key: string | null;
  dash: boolean;
  indent: number;
}

/** The key a YAML line holds (after a list dash), its column and the line's indentation. */
export function lineInfo(text: string): LineInfo {
  const m = /^(\s*)(-\s+)?(?:(["']?)([^\s:#"'][^:#]*?)\3\s*:(?:\s|$))?/.exec(text);
  const indent = m ? m[1].length : 0;
  const dash = Boolean(m?.[2]);
  if (m?.[4] !== undefined) return { keyCol: indent + (m[2]?.length ?? 0), key: m[4], dash, indent };
  return { keyCol: -1, key: null, dash, indent };
}

/** The mapping whose keys stand at `col`, found through a sibling key or the parent key above. */
function mappingAt(a: Analysis, line: number, col: number): { path: ValuePath; viaParent: boolean } | null {
  const lines = a.parsed.lines;
  for (let l = line - 1; l >= 0; l--) {
    const text = lines.lineText(l);
    if (!text.trim() || text.trim().startsWith('#')) continue;
    const info = lineInfo(text);
    if (info.keyCol < 0) {
      if (info.indent < col && !info.dash) return null;
      continue;
    }
    const keyOffset = lines.offset({ line: l, character: info.keyCol });
    if (info.keyCol === col) {
      const found = spanAt(a.parsed.spans, keyOffset);
      if (found.onKey) return { path: found.path.slice(0, -1), viaParent: false };
      return null;
    }
    if (info.keyCol < col) {
      const found = spanAt(a.parsed.spans, keyOffset);
      if (found.onKey) return { path: found.path, viaParent: true };
      return null;
    }
  }
  return col === 0 ? { path: [], viaParent: false } : null;
}

export function completionContext(a: Analysis, offset: number): CompletionContext {
  const pos = a.parsed.lines.position(offset);
  const lineText = a.parsed.lines.lineText(pos.line);
  const before = lineText.slice(0, pos.character);

  // inside a template of a known site
  const where = locate(a, offset);
  if (where.template) {
    const expr = expressionBefore(where.template.site.source, where.template.index);
    if (expr !== null) return { kind: 'template', site: where.template.site, step: where.template.site.step, mapping: where.path, expression: expr };
  }
  // inside `{{` being typed in a string the analysis has not seen as a template yet
  const rawExpr = expressionBefore(before, before.length);
  if (rawExpr !== null && /["']?[^"']*\{[{%]/.test(before)) {
    return { kind: 'template', site: null, step: stepIdAt(a.parsed.value, where.path), mapping: where.path, expression: rawExpr };
  }

  // `key: partial value`
  const kv = /^(\s*)(-\s+)?(["']?)([\w$-]+)\3\s*:\s+(.*)$/.exec(before);
  if (kv) {
    const col = kv[1].length + (kv[2]?.length ?? 0);
    const keyOffset = a.parsed.lines.offset({ line: pos.line, character: col });
    const found = spanAt(a.parsed.spans, keyOffset);
    let mapping: ValuePath | null = found.onKey ? found.path.slice(0, -1) : null;
    if (!mapping) mapping = kv[2] ? itemOfListAbove(a, pos.line, kv[1].length) : mappingAt(a, pos.line, col)?.path ?? null;
    if (mapping) {
      const partial = kv[5].replace(/^\[\s*/, '').split(',').pop()!.trim().replace(/^["']/, '');
      if (/^\[/.test(kv[5])) return { kind: 'list-item', mapping, key: kv[4], partial };
      return { kind: 'value', mapping, key: kv[4], partial };
    }
  }

  // `- partial` under a key (a list item) or a new mapping item
  const item = /^(\s*)-\s*([\w$-]*)$/.exec(before);
  if (item) {
    const parent = mappingAt(a, pos.line, item[1].length);
    if (parent?.viaParent) {
      const key = parent.path[parent.path.length - 1];
      // a list of mappings: a new item's keys
      if (key === 'steps' || ((key === 'triggers' || key === 'monitors') && parent.path.length === 1) || (key === 'assert' && parent.path.length === 3 && parent.path[0] === 'monitors')) return { kind: 'key', mapping: [...parent.path, 0], partial: item[2], newListItem: true };
      return { kind: 'list-item', mapping: parent.path.slice(0, -1), key: String(key), partial: item[2] };
    }
    if (parent && !parent.viaParent) {
      // a dash at the column of sibling items: the list those items belong to
      const m = mappingAt(a, pos.line, item[1].length);
      if (m) return { kind: 'key', mapping: m.path, partial: item[2], newListItem: true };
    }
  }

  // a key being typed
  const key = /^(\s*)(-\s+)?([\w$-]*)$/.exec(before);
  if (key) {
    const col = key[1].length + (key[2]?.length ?? 0);
    if (key[2]) {
      const list = itemOfListAbove(a, pos.line, key[1].length);
      if (list) return { kind: 'key', mapping: list, partial: key[3], newListItem: true };
    }
    const m = mappingAt(a, pos.line, col);
    if (m) return { kind: 'key', mapping: m.path, partial: key[3], newListItem: false };
  }
  return { kind: 'none' };
}

/** For `- key:` at a dash column: the path of a new item of the list whose items start there. */
function itemOfListAbove(a: Analysis, line: number, dashCol: number): ValuePath | null {
  for (let l = line - 1; l >= 0; l--) {
    const text = a.parsed.lines.lineText(l);
    if (!text.trim()) continue;
    const info = lineInfo(text);
    if (info.dash && info.indent === dashCol && info.keyCol >= 0) {
      const found = spanAt(a.parsed.spans, a.parsed.lines.offset({ line: l, character: info.keyCol }));
      if (found.onKey && found.path.length >= 2) {
        const itemPath = found.path.slice(0, -1);
        const idx = itemPath[itemPath.length - 1];
        return typeof idx === 'number' ? [...itemPath.slice(0, -1), idx + 1] : itemPath;
      }
      return null;
    }
    if (info.indent < dashCol || (info.indent === dashCol && !info.dash)) {
      if (info.keyCol >= 0 && info.key) {
        const found = spanAt(a.parsed.spans, a.parsed.lines.offset({ line: l, character: info.keyCol }));
        if (found.onKey) return [...found.path, 0];
      }
      return null;
    }
  }
  return null;
}

