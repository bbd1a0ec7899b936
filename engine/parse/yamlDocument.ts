// YAML 1.2 → a plain value plus an index from every value path to its source ranges.
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { Finding, Range, ValuePath } from '../spec/types';
import { LineIndex } from './lineIndex';
import { scalarOffsets, type ScalarStyle } from './scalarOffsets';

/** Bound on alias expansion (count × size), so an alias bomb is a finding, not an out-of-memory. */
export const MAX_ALIAS_COUNT = 1000;

export interface NodeSpan {
  /** Offsets of the key, for a map entry. */
  key?: [number, number];
  /** Offsets of the value (for an alias: of the alias itself). */
  value: [number, number];
  style?: ScalarStyle;
  /** Entries of a mapping (by key) or a sequence (by index). */
  children?: Map<string | number, NodeSpan>;
}

export interface ParsedYaml {
  text: string;
  lines: LineIndex;
  /** The plain JS value of the document; undefined when the YAML could not be read at all. */
  value: unknown;
  findings: Finding[];
  /** Source spans of the value tree; null for an empty document. */
  spans: NodeSpan | null;
  /** The parsed document, for CST-aware consumers (formatting). */
  document: Document;
}

/** `steps[0].dependencies[1]`, as findings print a path. */
export function formatPath(path: ValuePath): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

function cleanYamlMessage(message: string): string {
  const first = message.split('\n')[0];
  return first.replace(/ at line \d+, column \d+:?$/, '').trim();
}

const YAML_CODES: Record<string, string> = {
  DUPLICATE_KEY: 'yaml.duplicate-key',
  MULTIPLE_DOCS: 'yaml.multiple-documents',
};

export function parseYaml(text: string): ParsedYaml {
  const lines = new LineIndex(text);
  const findings: Finding[] = [];
  // logLevel 'error': the parser's warnings become findings here, never process warnings on stderr
  const document = parseDocument(text, { merge: true, prettyErrors: false, strict: true, uniqueKeys: true, logLevel: 'error' });

  const finding = (code: string, severity: Finding['severity'], message: string, start: number, end: number): Finding => ({
    code,
    severity,
    message,
    range: lines.range(start, Math.max(end, start)),
    step: null,
    path: '',
    suggestions: [],
  });

  for (const e of document.errors) {
    let [start, end] = e.pos;
    // an error at the very end of the text gets the last character, so it stays visible
    if (start >= text.length && text.length > 0) start = text.length - 1;
    end = Math.max(end, start + 1);
    let message = cleanYamlMessage(e.message);
    if (e.code === 'DUPLICATE_KEY') {
      // widen yaml's one character to the whole key
      const m = /^[^\s:,[\]{}#]+/.exec(text.slice(start));
      if (m) end = start + m[0].length;
      message = `Duplicate key '${text.slice(start, end)}': a mapping holds each key once.`;
    } else if (e.code === 'MULTIPLE_DOCS') {
      const lineEnd = text.indexOf('\n', start);
      end = lineEnd < 0 ? text.length : lineEnd;
      message = "A pipeline file holds one YAML document; a second one starts here.";
    }
    findings.push(finding(YAML_CODES[e.code] ?? 'yaml.syntax', 'error', message, start, end));
  }
  for (const w of document.warnings) {
    findings.push(finding('yaml.warning', 'warning', cleanYamlMessage(w.message), w.pos[0], w.pos[1]));
  }

  const walk = (node: unknown, key?: [number, number]): NodeSpan | null => {
    if (!node || typeof node !== 'object') return null;
    const n = node as YamlNode;
    const r = n.range;
    const span: NodeSpan = { value: r ? [r[0], r[1]] : key ?? [0, 0] };
    if (key) span.key = key;
    if (isScalar(n) && n.type) span.style = n.type as ScalarStyle;
    if (isAlias(n)) return span; // an alias's subtree points at the alias itself
    if (isMap(n)) {
      const children = new Map<string | number, NodeSpan>();
      span.children = children;
      for (const item of n.items) {
        if (!isPair(item)) continue;
        const k = item.key as YamlNode | null;
        if (k && !isScalar(k) && k.range) {
          findings.push(finding('yaml.complex-key', 'error', 'A key must be a plain name, not a list or a mapping.', k.range[0], k.range[1]));
        }
        const keyName = String(isScalar(k) ? k.value : k);
        const kr = k && k.range ? ([k.range[0], k.range[1]] as [number, number]) : undefined;
        const child = item.value == null ? null : walk(item.value, kr);
        if (child) children.set(keyName, child);
        else {
          const at = kr ? kr[1] : span.value[1];
          children.set(keyName, { key: kr, value: [at, at] });
        }
      }
    } else if (isSeq(n)) {
      const children = new Map<string | number, NodeSpan>();
      span.children = children;
      n.items.forEach((item, i) => {
        const child = walk(item);
        if (child) children.set(i, child);
      });
    }
    return span;
  };
  const spans = walk(document.contents);

  let value: unknown;
  const hasFatal = document.errors.length > 0;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    value = undefined;
    const message = e instanceof Error ? e.message : String(e);
    const alias = /alias/i.test(message);
    findings.push(
      finding(
        alias ? 'yaml.alias-limit' : 'yaml.syntax',
        'error',
        alias ? `Aliases expand beyond the limit of ${MAX_ALIAS_COUNT} (a document that expands exponentially is refused)` : message,
        0,
        Math.min(text.length, lines.lineText(0).length || 1),
      ),
    );
  }
  if (hasFatal && value === null) value = undefined;
  return { text, lines, value, findings, spans, document };
}

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

/** The range of the key at `path` (falls back to its value, then to ancestors). */
export function keyRange(parsed: ParsedYaml, path: ValuePath): Range {
  const s = exactSpan(parsed, path);
  if (s?.key) return parsed.lines.range(s.key[0], s.key[1]);
  return valueRange(parsed, path);
}

/** The range of the value at `path` (falls back to ancestors; an empty value gets its key). */
export function valueRange(parsed: ParsedYaml, path: ValuePath): Range {
  const s = spanOf(parsed, path);
  if (!s) return parsed.lines.range(0, Math.min(parsed.text.length, 1));
  if (s.value[1] > s.value[0]) return parsed.lines.range(s.value[0], s.value[1]);
  if (s.key) return parsed.lines.range(s.key[0], s.key[1]);
  return parsed.lines.range(s.value[0], s.value[1]);
}

/** Offsets into the document of each character of the string value at `path`, or null. */
export function stringOffsets(parsed: ParsedYaml, path: ValuePath, value: string): Int32Array | null {
  const s = exactSpan(parsed, path);
  if (!s || !s.style) return null;
  return scalarOffsets(parsed.text, s.value[0], s.value[1], s.style, value);
}
