// `<AUTO>question</AUTO>` tags: where each stands, what type its position wants, and whether it
// needs run-time values.
import { exactSpan, formatPath, stringOffsets, type ParsedYaml } from '../parse/yamlDocument';
import type { Finding, ValuePath } from '../spec/types';
import { hasTemplateSyntax } from '../template/parser';
import type { FindingSink } from './findingSink';
import type { AutoTag, AutoType } from './model';
import { offsetAt } from '../parse/scalarOffsets';
import { isShellParameter, spliceQuoted } from './shellQuote';
import { movedFinding, movedRange } from './movedResults';

/** A value that is one AUTO tag (white space around allowed). */
/** A bare `<AUTO>` as a model (ContextLab's form): choose the model automatically, as for a step that names none. */
export function isAutoSelect(v: unknown): boolean {
  return typeof v === 'string' && v.trim() === '<AUTO>';
}

export function isAutoTag(s: string): boolean {
  return /^\s*<AUTO(\s[^>]*)?>[\s\S]*<\/AUTO>\s*$/.test(s);
}

const INTEGER_KEYS = new Set(['max_parallel', 'max_iterations', 'max_retries', 'max_attempts']);
const BOOLEAN_KEYS = new Set(['condition', 'if', 'while', 'until', 'cache', 'checkpoint']);
const MODEL_KEYS = new Set(['model', 'default_model', 'orchestrator']);

/** The type the value at `path` must have, from the key it stands under. */
export function autoTypeAt(path: ValuePath): AutoType {
  const last = path[path.length - 1];
  const key = typeof last === 'number' ? path[path.length - 2] : last;
  const inParameters = path.includes('parameters') && path.indexOf('parameters') > 0;
  if (inParameters) return { kind: 'string' };
  if (path[0] === 'experts' && path.length === 2) return { kind: 'model' };
  if (typeof key !== 'string') return { kind: 'string' };
  if (MODEL_KEYS.has(key) && typeof last === 'string') return { kind: 'model' };
  if (INTEGER_KEYS.has(key)) return { kind: 'integer' };
  if (key === 'timeout') return { kind: 'number' };
  if (BOOLEAN_KEYS.has(key)) return { kind: 'boolean' };
  if (key === 'for_each') return { kind: 'list' };
  if (key === 'dependencies' || key === 'depends_on') return { kind: 'step-ids' };
  if (key === 'selection_schema') return { kind: 'enum', values: ['cost', 'performance', 'balanced'] };
  if (key === 'on_failure') return { kind: 'enum', values: ['fail', 'continue', 'skip', 'retry'] };
  if (key === 'tool') return { kind: 'tool' };
  if (key === 'action') return { kind: 'action' };
  return { kind: 'string' };
}

function parseAttributes(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Za-z_][\w-]*)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out[m[1]] = m[3] ?? m[4] ?? m[5] ?? '';
  return out;
}

/** Finds the AUTO tags of one string value; nested tags are reported each on its own. */
export function findAutoTags(value: string): { start: number; end: number; contentStart: number; contentEnd: number; attrs: string }[] | { unclosedAt: number; length: number } {
  const out: { start: number; end: number; contentStart: number; contentEnd: number; attrs: string }[] = [];
  const stack: { start: number; contentStart: number; attrs: string }[] = [];
  const re = /<AUTO(\s[^>]*)?>|<\/AUTO>/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    if (m[0] === '</AUTO>') {
      const open = stack.pop();
      if (!open) continue; // a stray closing tag is text
      out.push({ start: open.start, end: m.index + m[0].length, contentStart: open.contentStart, contentEnd: m.index, attrs: open.attrs });
    } else {
      stack.push({ start: m.index, contentStart: m.index + m[0].length, attrs: m[1] ?? '' });
    }
  }
  // a bare `<AUTO>` left open as the whole value of a `model:` line in a text (a block of YAML
  // written as text: ContextLab's "choose the model" marker) is text, as ContextLab leaves it
  const open = stack.filter((o) => !isModelMarkerLine(value, o.start, o.attrs));
  if (open.length) return { unclosedAt: open[0].start, length: value.length - open[0].start > 6 ? 6 : value.length - open[0].start };
  return out.sort((a, b) => a.start - b.start);
}

/** Whether the `<AUTO` at `at` is a bare `<AUTO>` standing alone after `model:` (or `default_model:`) on its line. */
function isModelMarkerLine(value: string, at: number, attrs: string): boolean {
  if (attrs) return false;
  const lineStart = value.lastIndexOf('\n', at - 1) + 1;
  let lineEnd = value.indexOf('\n', at);
  if (lineEnd < 0) lineEnd = value.length;
  return /^\s*(?:-\s+)?(?:default_)?model\s*:\s*$/.test(value.slice(lineStart, at)) && value.slice(at + '<AUTO>'.length, lineEnd).trim() === '';
}

/** Step values without any '<AUTO' text: walking them again finds nothing (values are never changed in place). */
const TAG_FREE_STEPS = new WeakSet<object>();

/**
 * What the walk found in a top-level step that has tags: its tags and findings, with where the step
 * stood (its index, first offset and line). The section parse shares a step's value between
 * analyses exactly while the step's text is unchanged, so an edit elsewhere finds the step's tags
 * here, moved by as many lines as the step moved (a step starts at a line start: characters stay),
 * instead of walking the step again: at 2,000 steps with a tag in every generate step, the walk
 * was 2 ms of each edit. A step at another index is walked again (its tags' paths hold the index).
 * Not a StepMemo (stepMemo.ts): those keep results per document context and need the normalized
 * steps, while a step's tags depend on its text alone and are found before normalizing; so the
 * place of a tagged step is found here and again by the memos' context (an exact span and a line
 * lookup each, about 0.3 us).
 */
interface KeptStepTags {
  index: number;
  offset: number;
  line: number;
  tags: AutoTag[];
  findings: Finding[];
}
let keptStepTags = new WeakMap<object, KeptStepTags>();

/** Every step's tags are found again by the next walk (a from-scratch analysis in tests). */
export function forgetKeptAutoTags(): void {
  keptStepTags = new WeakMap();
}

function movedTag(t: AutoTag, lines: number): AutoTag {
  return { ...t, range: movedRange(t.range, lines), contentRange: movedRange(t.contentRange, lines) };
}

/** The kept tags of the step value `v` at `path` (['steps', index]), moved to where it stands now; undefined when there are none to take. */
function keptTagsAt(parsed: ParsedYaml, v: object, path: ValuePath): KeptStepTags | undefined {
  const kept = keptStepTags.get(v);
  if (!kept || kept.index !== path[1]) return undefined;
  const span = exactSpan(parsed, path);
  if (!span) return undefined;
  if (span.start !== kept.offset) {
    const line = parsed.lines.position(span.start).line;
    const lines = line - kept.line;
    if (lines !== 0) {
      kept.tags = kept.tags.map((t) => movedTag(t, lines));
      kept.findings = kept.findings.map((f) => movedFinding(f, lines));
    }
    kept.offset = span.start;
    kept.line = line;
  }
  return kept;
}

/** Keeps what the walk found in the step value `v` at `path` (see KeptStepTags). */
function keepStepTags(parsed: ParsedYaml, v: object, path: ValuePath, tags: AutoTag[], findings: Finding[]): void {
  const span = exactSpan(parsed, path);
  if (!span) return;
  keptStepTags.set(v, { index: path[1] as number, offset: span.start, line: parsed.lines.position(span.start).line, tags, findings });
}

/** The AUTO tags of a document's value, their findings put in `sink`. `keep`: each top-level step's
 * tags are kept, and a step's kept tags taken (KeptStepTags), as the step memos do
 * (`AnalyzeOptions.keepStepResults`). */
export function collectAutoTags(value: unknown, sink: FindingSink, stepIdAt: (path: ValuePath) => string | null, keep = false): AutoTag[] {
  const tags: AutoTag[] = [];
  const parsed = sink.parsed;
  // one path, grown and shrunk as the walk goes, copied only where a tag is (most strings have none)
  const walked: ValuePath = [];
  // no value holds '<AUTO' when the text does not, unless an escape (`\x3c`) wrote one: then the
  // walk over every value of a long document is not needed
  if (!parsed.text.includes('<AUTO') && !parsed.text.includes('\\')) return tags;
  let sawAuto = false;
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      if (!v.includes('<AUTO')) return;
      sawAuto = true;
      const path = walked.slice();
      const last = path[path.length - 1];
      if ((last === 'model' || last === 'default_model') && isAutoSelect(v)) return;
      const found = findAutoTags(v);
      const offsets = stringOffsets(parsed, path, v);
      const at = (i: number) => (offsets !== null ? offsetAt(offsets, Math.min(i, v.length)) : 0);
      const end = (i: number) => (offsets !== null ? (i > 0 ? offsetAt(offsets, Math.min(i - 1, v.length)) + 1 : offsetAt(offsets, 0)) : 0);
      if (!Array.isArray(found)) {
        sink.atOffsets('auto.unclosed', "An <AUTO> tag without its closing '</AUTO>'.", at(found.unclosedAt), end(found.unclosedAt + found.length), path, { step: stepIdAt(path) });
        return;
      }
      for (const t of found) {
        const text = v.slice(t.contentStart, t.contentEnd);
        if (wantsShellCode(t.attrs) && path[path.length - 1] === 'command') sink.atOffsets('auto.shell-code', "This AUTO tag's answer runs as shell code (shell=\"code\"): a model's answer can then run any command. Without the attribute it is quoted as one word.", at(t.start), end(t.end), path, { step: stepIdAt(path) });
        tags.push({
          path,
          range: parsed.lines.range(at(t.start), end(t.end)),
          contentRange: parsed.lines.range(at(t.contentStart), t.contentEnd > t.contentStart ? end(t.contentEnd) : at(t.contentStart)),
          text: text.trim(),
          attributes: parseAttributes(t.attrs),
          // a nested tag's outer tag is a string prompt; only a whole-value tag takes the key's type
          wants: t.start === v.indexOf('<AUTO') && isAutoTag(v) ? autoTypeAt(path) : { kind: 'string' },
          runtime: hasTemplateSyntax(text),
          step: stepIdAt(path),
        });
      }
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        walked.push(i);
        visit(v[i]);
        walked.pop();
      }
    } else if (v && typeof v === 'object') {
      // a step's value read before (the section parse shares it while its text is unchanged):
      // without a tag, or with the tags and findings kept then
      const isStep = walked.length === 2 && walked[0] === 'steps';
      if (isStep) {
        if (TAG_FREE_STEPS.has(v)) return;
        const kept = keep ? keptTagsAt(parsed, v, walked) : undefined;
        if (kept) {
          for (const t of kept.tags) tags.push(t);
          for (const f of kept.findings) sink.findings.push(f);
          sawAuto = true;
          return;
        }
      }
      const saw = sawAuto;
      const tagsBefore = tags.length;
      const findingsBefore = sink.findings.length;
      sawAuto = false;
      for (const k of Object.keys(v)) {
        walked.push(k);
        visit((v as Record<string, unknown>)[k]);
        walked.pop();
      }
      if (isStep && !sawAuto) TAG_FREE_STEPS.add(v);
      else if (isStep && keep) keepStepTags(parsed, v, walked, tags.slice(tagsBefore), sink.findings.slice(findingsBefore));
      sawAuto ||= saw;
    }
  };
  visit(value);
  return tags;
}

/** A copy of a document's value with AUTO tags replaced by their answers (by `path\ntext`): a value
 * that is one tag takes the answer's type; a tag inside text is replaced by the answer as text. In a
 * shell command (`terminal`'s `command`) an answer is quoted as one word unless its tag says
 * `shell="code"` (see shellQuote.ts). */
export function withAnswers(value: unknown, answers: Map<string, unknown>, path: ValuePath = [], shell = false): unknown {
  if (typeof value === 'string') {
    if (!value.includes('<AUTO')) return value;
    const found = findAutoTags(value);
    if (!Array.isArray(found)) return value;
    const where = formatPath(path);
    const outer = found.filter((t) => !found.some((o) => o !== t && o.start <= t.start && o.end >= t.end));
    const answerOf = (t: (typeof found)[number]) => answers.get(`${where}\n${value.slice(t.contentStart, t.contentEnd).trim()}`);
    if (shell) {
      const asText = (v: unknown) => (v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v));
      // a tag that declares shell="code" is put in as it is (the analyzer warns about it)
      const out = spliceQuoted(value, outer.map((t) => ({ start: t.start, end: t.end, answer: asText(answerOf(t)), raw: wantsShellCode(t.attrs) })));
      return isAutoTag(value) && outer.length === 1 ? out.trim() : out;
    }
    if (outer.length === 1 && isAutoTag(value)) {
      const v = answerOf(outer[0]);
      return v === undefined ? value : v;
    }
    let out = value;
    for (const t of [...outer].reverse()) {
      const v = answerOf(t);
      if (v !== undefined) out = out.slice(0, t.start) + (typeof v === 'string' ? v : JSON.stringify(v)) + out.slice(t.end);
    }
    return out;
  }
  if (Array.isArray(value)) return value.map((x, i) => withAnswers(x, answers, [...path, i]));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    const tool = (value as Record<string, unknown>).tool;
    for (const [k, x] of Object.entries(value)) {
      // a step's parameters know its tool: its shell command quotes what lands in it
      const v = k === 'parameters' && x && typeof x === 'object' && !Array.isArray(x) ? parametersWithAnswers(x as Record<string, unknown>, tool, answers, [...path, k]) : withAnswers(x, answers, [...path, k]);
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

function parametersWithAnswers(params: Record<string, unknown>, tool: unknown, answers: Map<string, unknown>, path: ValuePath): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(params)) Object.defineProperty(out, k, { value: withAnswers(x, answers, [...path, k], isShellParameter(tool, k)), enumerable: true, writable: true, configurable: true });
  return out;
}

/** `<AUTO shell="code">`: the answer is shell code, put into the command as it is. */
export function wantsShellCode(attrs: string): boolean {
  return parseAttributes(attrs).shell === 'code';
}
