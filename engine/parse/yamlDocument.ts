// YAML 1.2 → a plain value plus an index from every value path to its source ranges.
import { Document, parseDocument as parseYamlDocument, YAMLParseError, type Node as YamlNode } from 'yaml';
import type { Finding, ValuePath } from '../spec/types';
import { LineIndex } from './lineIndex';
import { readPlainFlowDocument, readPlainSection } from './plainBlockYaml';
import { SpanChildren, type NodeSpan } from './nodeSpan';
import { hasChildren, MovedSpan } from './movedSpan';
import type { ParsedYaml } from './parsedYaml';
import { planSections, replanSections, type SectionPlan } from './sectionPlan';
import { buildSpans } from './librarySpans';
import { cachedSection, cacheSection, lastPlanned, startSectionParse, type Section } from './sectionCache';
import { tooDeepAt, tooDeepMessage } from './nestingDepth';

export type { Section } from './sectionCache';
export { sectionCacheSize } from './sectionCache';

/** Bound on alias expansion (count × size), so an alias bomb is a finding, not an out-of-memory. */
export const MAX_ALIAS_COUNT = 1000;

export type { NodeSpan } from './nodeSpan';
export type { ParsedYaml } from './parsedYaml';
export { exactSpan, keyRange, spanOf, stringOffsets, valueRange, writableSpan } from './spanLookup';

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

// resolveKnownTags off: `!!binary`, `!!set`, `!!timestamp`, `!!omap`, `!!pairs` would become bytes, a
// Set or a Date, which JSON turns into {"0":104,...} or {}: they are refused with a finding instead
// uniqueKeys off: the parser checks each key against every earlier key of its mapping (quadratic:
// 13 s for 40,000 parameters); buildSpans finds duplicates with a set instead
export const PARSE_OPTIONS = { merge: true, prettyErrors: false, strict: true, uniqueKeys: false, logLevel: 'error', resolveKnownTags: false } as const;

/**
 * The yaml library's parse, without a stack trace on the errors it makes. Each error the library
 * finds is an Error subclass, and V8 captures a stack for each: on a document being typed into,
 * where one broken line makes errors in every parse of it, that capture was 7 % of the analysis's
 * CPU (1.05 of 15.7 s over the incremental-analysis test's 300 analyses of broken text). Only an
 * error's code, position and message are read; an exception the library throws keeps its stack.
 */
function parseDocument(text: string, options: typeof PARSE_OPTIONS): Document.Parsed {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parseYamlDocument(text, options);
  } catch {
    // thrown by the library (not an error it reports): parsed again, so the exception has its stack
    Error.stackTraceLimit = limit;
    return parseYamlDocument(text, options);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Every document is read section by section, reusing unchanged sections, whatever its length. Only
 * documents of 20,000 characters and more were until 2026-11-26, and a typical pipeline paid for
 * it: the whole parse runs the YAML library's parser on every keystroke, and that code warms up
 * slowly. Fresh servers, edits 300 ms after the open (the whole parse / by sections): 10 steps
 * open 31 / 24 ms, an edit 4 / 2 ms once warm; 30 steps 50 / 28 and 7 / 2-3; 80 steps (19,000
 * characters) 68 / 39 and 13 / 3, where 100 steps, read by sections already, took 3.
 */
export function parseYaml(text: string, owner = ''): ParsedYaml {
  // the next version of a document read by sections is planned from the last one (sectionPlan.ts)
  const last = lastPlanned(owner);
  const replanned = last ? replanSections(last, text) : null;
  const lines = replanned?.lines ?? new LineIndex(text);
  const plan = replanned?.plan ?? planSections(text, lines);
  if (!plan) return readFlowDocument(text, lines) ?? parseWhole(text, lines);
  // read by sections from the first open too: as fast as one whole parse, and each section's
  // syntax tree dies young, where the whole document's tree (several times the size of the
  // text) lives through the parse and grows the heap for good
  startSectionParse(owner, { text, lines, plan });
  const read = readSections(text, lines, plan);
  if (read.parsed) return read.parsed;
  return parseWithTail(text, lines, plan, read.failedAt) ?? parseWhole(text, lines);
}

/** A document written as one flow mapping on one line (`{id: x, steps: [...]}`), read by the plain
 * reader: the same value and spans as the whole parse (test/engine/parse/flowDocument.test.ts), or
 * null when the reader declines it (anything it cannot read exactly, any error: the whole parse
 * reports it). */
function readFlowDocument(text: string, lines: LineIndex): ParsedYaml | null {
  const read = readPlainFlowDocument(text, PARSE_OPTIONS);
  return read ? withLazyDocument({ text, lines, value: read.value, findings: [], spans: read.span }) : null;
}

/** A text shorter than this parsed in one piece keeps its YAML Document (see parseWhole). */
const KEEP_DOCUMENT_MAX_CHARS = 20_000;

/** The whole text in one parse: the reference behaviour, and what errors are always reported from. */
export function parseWhole(text: string, lines = new LineIndex(text)): ParsedYaml {
  const { document, value, findings, spans } = readFrom(text, lines, 0);
  // a short text keeps its Document: parsing it again would cost more than it saves, and a hostile
  // one (thousands of nested brackets) is parsed once only, where the analysis starts (a second
  // parse deep inside a request handler can exhaust V8's stack while it compiles a regexp)
  if (text.length < KEEP_DOCUMENT_MAX_CHARS) return { text, lines, value, findings, spans, document };
  return withLazyDocument({ text, lines, value, findings, spans });
}

/** The text from `from` on, parsed as a document of its own (offsets, ranges and spans are the
 * whole text's): the whole parse when `from` is 0, the tail of a document otherwise. */
function readFrom(whole: string, lines: LineIndex, from: number): { document: Document; value: unknown; findings: Finding[]; spans: NodeSpan | null; threw: boolean } {
  const text = from ? whole.slice(from) : whole;
  const findings: Finding[] = [];
  const finding = (code: string, severity: Finding['severity'], message: string, start: number, end: number): Finding => ({
    code,
    severity,
    message,
    range: lines.range(start + from, Math.max(end, start) + from),
    step: null,
    path: '',
    suggestions: [],
  });
  // nested too deep for the library to read without a risk of aborting the process (nestingDepth.ts): one finding, no value
  const deep = tooDeepAt(text);
  if (deep >= 0) return { document: tooDeepDocument(deep), value: undefined, findings: [finding('yaml.too-deep', 'error', tooDeepMessage(), deep, deep + 1)], spans: null, threw: true };
  // logLevel 'error': the parser's warnings become findings here, never process warnings on stderr
  const document = parseDocument(text, PARSE_OPTIONS);

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
    const tag = w.code === 'TAG_RESOLVE_FAILED' ? /tag:yaml\.org,2002:(\w+)/.exec(w.message)?.[1] : undefined;
    if (tag) {
      findings.push(finding('yaml.unsupported-tag', 'error', `The tag '!!${tag}' is not supported: a pipeline holds plain data (text, numbers, booleans, lists, mappings). Write the value without the tag.`, w.pos[0], w.pos[1]));
      continue;
    }
    findings.push(finding('yaml.warning', 'warning', cleanYamlMessage(w.message), w.pos[0], w.pos[1]));
  }

  const spans = buildSpans(
    document.contents,
    (s, e) => findings.push(finding('yaml.complex-key', 'error', 'A key must be a plain name, not a list or a mapping.', s, e)),
    (s, e) => findings.push(finding('yaml.duplicate-key', 'error', `Duplicate key '${text.slice(s, e)}': a mapping holds each key once.`, s, e)),
    from,
  );

  let value: unknown;
  let threw = false;
  const hasFatal = document.errors.length > 0;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    value = undefined;
    threw = true;
    const message = e instanceof Error ? e.message : String(e);
    const alias = /alias/i.test(message);
    findings.push(
      finding(
        alias ? 'yaml.alias-limit' : 'yaml.syntax',
        'error',
        alias ? `Aliases expand beyond the limit of ${MAX_ALIAS_COUNT} (a document that expands exponentially is refused)` : message,
        0,
        Math.min(text.length, lines.lineText(lines.position(from).line).length || 1),
      ),
    );
  }
  if (hasFatal && value === null) value = undefined;
  return { document, value, findings, spans, threw };
}

/** The parsed text with its yaml Document parsed again on first use. The Document of a long text
 * (every node of its syntax tree) costs more memory than the rest of an analysis, and only
 * formatting reads it, so no analysis keeps one alive between requests. */
export function withLazyDocument(parsed: Omit<ParsedYaml, 'document'>): ParsedYaml {
  let document: Document | null = null;
  const parse = (): Document => {
    const deep = tooDeepAt(parsed.text);
    return deep >= 0 ? tooDeepDocument(deep) : parseDocument(parsed.text, PARSE_OPTIONS);
  };
  return Object.defineProperty(parsed, 'document', {
    enumerable: true,
    get: (): Document => (document ??= parse()),
  }) as ParsedYaml;
}

/** The Document of a text nested too deep to parse: empty, with the error (so formatting and the
 * other readers of a Document leave the text alone, as they do a text with a syntax error). */
function tooDeepDocument(at: number): Document {
  const document = new Document(null);
  document.errors.push(new YAMLParseError([at, at + 1], 'UNEXPECTED_TOKEN', tooDeepMessage()));
  return document;
}

// ---- reading a document section by section ------------------------------------------------
// A pipeline is a mapping of top-level sections, and `steps:` a list of items. Each section and
// each step item is parsed on its own and kept by its text: an edit re-parses one item, and the
// rest is reused. Anything this cannot read exactly as the whole-text parse would (anchors,
// several documents, flow-style top level, any error or warning) falls back to the whole parse.


/** A copy of a slice that does not keep the text it was cut from alive. A slice (and every string
 * the yaml parser cuts from it) points into the whole document; kept in the cache, each edited
 * section would keep its version of the document in memory for the rest of the session. */
function detached(slice: string): string {
  return (' ' + slice).slice(1);
}

/** The section at `from` in this document, the `at`th of its plan: cached by its text (moved when
 * it moved), else parsed. */
function parseSection(text: string, from: number, to: number, key: string | number, at: number): Section | null {
  const src = text.slice(from, to);
  const hit = cachedSection(src, at);
  if (hit) {
    const section = hit.section;
    if (!section || section.base === from) return section;
    // moved by an edit before it: the cache keeps the moved copy, the one the new analysis holds
    // (written out, not spread: a spread is dear in the language server, which runs without
    // TurboFan's inlining, and a keystroke moves a thousand sections of a 2,000-step document)
    return (hit.section = { value: section.value, span: new MovedSpan(section.span, from - section.base), base: from, end: section.end });
  }
  const own = detached(src);
  // nested too deep for either reader (nestingDepth.ts): the whole parse declines it with its finding
  if (tooDeepAt(own) >= 0) {
    cacheSection(own, null, at);
    return null;
  }
  // most sections are plain block YAML, read without the library (the same value and spans)
  const plain = readPlainSection(own, from, key, PARSE_OPTIONS);
  const read = plain ? { value: plain.value, span: plain.span, base: from, end: plain.end } : parseSectionWithLibrary(own, from, key);
  // an item of `steps` reads as a list of one: the cache keeps the item itself (null when it is not
  // one item), not a list of one per step (0.3 MiB at 5,000 steps)
  const section = read && typeof key === 'number' ? { ...read, value: Array.isArray(read.value) && read.value.length === 1 ? read.value[0] : null } : read;
  cacheSection(own, section, at);
  return section;
}

/** A section's text read by the yaml library: its value, the span of its entry (offsets moved by
 * `from`) and where its top collection ends; null when the library finds anything to report. The
 * caller has checked the text's nesting (parseSection). */
export function parseSectionWithLibrary(own: string, from: number, key: string | number): Section | null {
  const doc = parseDocument(own, PARSE_OPTIONS);
  let ok = doc.errors.length === 0 && doc.warnings.length === 0;
  const wrapper = ok ? buildSpans(doc.contents, () => (ok = false), () => (ok = false), from) : null;
  const span = wrapper?.children?.get(key);
  const end = (doc.contents as YamlNode | null)?.range?.[1] ?? 0;
  return ok && span ? { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), span, base: from, end } : null;
}

export function parseSections(text: string, lines: LineIndex, plan = planSections(text, lines)): ParsedYaml | null {
  return plan ? readSections(text, lines, plan).parsed : null;
}

/** The document read by sections; when a section cannot be read so, the index in `plan.sections`
 * of the first that cannot, with the value and spans of the top-level sections before its own. */
function readSections(text: string, lines: LineIndex, plan: Pick<SectionPlan, 'starts' | 'sections'>): { parsed: ParsedYaml | null; failedAt: number; value: Record<string, unknown>; root: NodeSpan } {
  const value: Record<string, unknown> = {};
  const root: NodeSpan = { start: 0, end: 0, keyStart: -1, keyEnd: -1, children: new SpanChildren() };
  let rootEnd = 0;
  const lastSection = plan.sections[plan.sections.length - 1];
  let i = 0;
  while (i < plan.sections.length) {
    const sec = plan.sections[i];
    const key = sec.key;
    let child: NodeSpan;
    let childValue: unknown;
    if (sec.item !== null) {
      const list: unknown[] = [];
      const seq: NodeSpan = { start: 0, end: 0, keyStart: -1, keyEnd: -1, children: new SpanChildren() };
      for (; i < plan.sections.length && plan.sections[i].key === key; i++) {
        const it = plan.sections[i];
        const section = parseSection(text, it.from, it.to, 0, i);
        // a step is a mapping; anything else is read by the whole parse
        const v: unknown = section ? section.value : null;
        if (!section || !hasChildren(section.span) || !v || typeof v !== 'object' || Array.isArray(v)) return { parsed: null, failedAt: i, value, root };
        list.push(v);
        seq.children!.set(it.item!, section.span);
      }
      seq.children!.seal();
      const first = seq.children!.get(0)!;
      const lastItem = seq.children!.get(list.length - 1)!;
      seq.start = text.lastIndexOf('-', first.start);
      seq.end = lastItem.end;
      const keyStart = lines.offset({ line: plan.starts.find((x) => x.key === key)!.line, character: 0 });
      child = { ...seq, keyStart, keyEnd: keyStart + key.length };
      childValue = list;
      rootEnd = seq.end;
    } else {
      const section = parseSection(text, sec.from, sec.to, key, i);
      if (!section || !section.value || typeof section.value !== 'object') return { parsed: null, failedAt: i, value, root };
      child = section.span;
      childValue = (section.value as Record<string, unknown>)[key];
      rootEnd = section.end + sec.from;
      i++;
    }
    Object.defineProperty(value, key, { value: childValue, enumerable: true, writable: true, configurable: true });
    root.children!.set(key, child);
  }
  root.start = root.children!.get(plan.starts[0].key)!.keyStart;
  root.end = rootEnd;

  const parsed = withLazyDocument({ text, lines, value, findings: [], spans: root });
  sectioned.add(parsed);
  return { parsed, failedAt: -1, value, root };
}

/**
 * A document one of whose sections cannot be read on its own (a syntax error while a value is
 * typed, say): the top-level sections before that section's are read by sections (cached), and
 * the text from its top-level key on in one parse, as a document of its own. The YAML parser reads
 * a document from start to end, so what it makes and reports of the text before a top-level key
 * that starts a line does not depend on the text after it, and the parse of the rest starts where
 * the whole parse would be (a new key of the top-level mapping): the same value, spans and
 * findings as the whole parse (test/engine/parse/sectionParse.test.ts holds it to that on fuzz mutations),
 * for the cost of the rest. A typed quote in the last step of a 60,000-parameter document was a
 * whole parse of 1.9 MB (about 2 s) on every keystroke. Null when the first section fails, or the
 * rest is not a mapping of keys the sections before do not have.
 */
export function parseWithTail(text: string, lines: LineIndex, plan = planSections(text, lines), failedAt = plan ? readSections(text, lines, plan).failedAt : -1): ParsedYaml | null {
  if (!plan || failedAt < 0) return null;
  const key = plan.sections[failedAt].key;
  const top = plan.starts.findIndex((x) => x.key === key);
  if (top <= 0) return null;
  const { value: head, root } = readSections(text, lines, { starts: plan.starts.slice(0, top), sections: plan.sections.slice(0, plan.sections.findIndex((x) => x.key === key)) });
  if (root.children!.size !== top) return null;
  const from = lines.offset({ line: plan.starts[top].line, character: 0 });
  const rest = readFrom(text, lines, from);
  // the value could not be made (an error the whole parse reports at the document's start)
  if (rest.threw) return null;
  const restValue = rest.value;
  const restSpans = rest.spans;
  if (!restValue || typeof restValue !== 'object' || Array.isArray(restValue) || !restSpans?.children) return null;
  const value: Record<string, unknown> = {};
  for (const k of Object.keys(head)) Object.defineProperty(value, k, { value: head[k], enumerable: true, writable: true, configurable: true });
  for (const [k, v] of Object.entries(restValue as Record<string, unknown>)) {
    if (Object.prototype.hasOwnProperty.call(value, k)) return null;
    Object.defineProperty(value, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  const children = root.children!.copy();
  for (const [k, c] of restSpans.children) {
    if (children.has(k)) return null;
    children.set(k, c);
  }
  const spans: NodeSpan = { start: root.children!.get(plan.starts[0].key)!.keyStart, end: restSpans.end, keyStart: -1, keyEnd: -1, children };
  return withLazyDocument({ text, lines, value, findings: rest.findings, spans });
}

const sectioned = new WeakSet<ParsedYaml>();

/** Whether this text was read section by section (reusing cached sections), not in one parse. */
export function readBySections(parsed: ParsedYaml): boolean {
  return sectioned.has(parsed);
}
