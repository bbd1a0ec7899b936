// `orc improve --apply` (and the editor's Apply): steps' prompts replaced as the smallest edits of
// the pipeline's text. Only the value of each step's `parameters.prompt` changes; its key, its
// anchor, the comment after a block header and everything else in the file stay byte for byte.
// The value keeps the style it is written in: a plain or quoted scalar stays one (a prompt a plain
// or single-quoted scalar cannot hold exactly becomes double-quoted), a literal block (`|`) or a
// folded one (`>`) stays a block of that kind, its chomping indicator set so the value reads back
// exactly. Every edit is checked by parsing the result: a prompt that does not read back as written
// is written double-quoted instead. An edit through a shared alias is refused as `orc edit` refuses it.
import { createHash } from 'node:crypto';
import { analyze, type Analysis } from '../analyze/index';
import { exactSpan } from '../parse/spanLookup';
import type { NodeSpan } from '../parse/nodeSpan';
import { checkAliases } from './aliases';
import { applyEdits, contentEnd, EditRefused, indentOf, lineEnd, lineStart, type TextEdit } from './textEdits';

type Written = 'plain' | 'single' | 'double' | 'literal' | 'folded';

/** The span of a step's `parameters.prompt` as written in the file; EditRefused when there is none. */
export function promptSpan(a: Analysis, stepId: string): NodeSpan {
  const entry = a.stepIndex.get(stepId);
  if (!entry) throw new EditRefused(`There is no step '${stepId}'`);
  const span = exactSpan(a.parsed, [...entry.step.path, 'parameters', 'prompt']);
  if (!span || typeof entry.step.parameters.prompt !== 'string') throw new EditRefused(`Step '${stepId}' has no prompt written in the file (parameters.prompt)`);
  return span;
}

/** The prompts of the steps, as the analysis reads them. */
export function promptsOf(a: Analysis, stepIds: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const id of stepIds) {
    const p = a.stepIndex.get(id)?.step.parameters.prompt;
    if (typeof p === 'string') out[id] = p;
  }
  return out;
}

function styleOf(text: string, span: NodeSpan): Written {
  if (text.startsWith('*', span.start)) return 'plain';
  switch (span.style) {
    case 'QUOTE_SINGLE':
      return 'single';
    case 'QUOTE_DOUBLE':
      return 'double';
    case 'BLOCK_LITERAL':
      return 'literal';
    case 'BLOCK_FOLDED':
      return 'folded';
    default:
      return 'plain';
  }
}

const PLAIN_OK = /^[^\s'"&*!|>%@`#,[\]{}?:-][^\n]*$/;

function inlineScalar(value: string, style: Written): string {
  if (style === 'plain' && PLAIN_OK.test(value) && !/:\s|\s#|[\s:]$/.test(value)) return value;
  if (style === 'single' && !value.includes('\n')) return `'${value.replace(/'/g, "''")}'`;
  return JSON.stringify(value);
}

/** A block scalar's header and body holding `value` exactly (its chomping indicator chosen from the value's trailing line breaks). */
function blockScalar(text: string, span: NodeSpan, value: string, folded: boolean): TextEdit {
  const headerEnd = lineEnd(text, span.start);
  const header = text.slice(span.start, headerEnd);
  const m = /^([|>])([+-]?)(\d?)([+-]?)(.*)$/.exec(header);
  if (!m) throw new EditRefused('the prompt\'s block header is not one this edit can keep');
  const end = contentEnd(text, span);
  const first = text.indexOf('\n', span.start);
  // the body's indent: its first line's (else two more than the key's line)
  let indent = '';
  if (first !== -1 && first + 1 < end) {
    let at = first + 1;
    while (at < end && text.slice(at, lineEnd(text, at)).trim() === '') at = text.indexOf('\n', at) + 1;
    indent = indentOf(text, at);
  }
  if (!indent) indent = indentOf(text, lineStart(text, span.start)) + '  ';
  const trailing = /\n*$/.exec(value)![0].length;
  const body = value.slice(0, value.length - trailing);
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  let lines = body.split('\n');
  if (folded) {
    // a line break between two lines of a folded block is an empty line: one more after each non-empty line that a line follows
    lines = lines.flatMap((l, i) => (l !== '' && i < lines.length - 1 ? [l, ''] : [l]));
  }
  const newHeader = `${m[1]}${chomp}${m[3]}${m[5]}`;
  const newBody = lines.map((l) => (l === '' ? '' : indent + l)).join('\n');
  return { start: span.start, end, newText: `${newHeader}\n${newBody}` };
}

function editFor(text: string, span: NodeSpan, value: string, style: Written): TextEdit {
  if (style === 'literal' || style === 'folded') return blockScalar(text, span, value, style === 'folded');
  return { start: span.start, end: span.end, newText: inlineScalar(value, style) };
}

export const sha256Text = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The prompts (by step id) as minimal edits of the pipeline's text. Throws EditRefused for a step
 * with no prompt written in the file, an edit through a shared alias, or (with `expectedSha256`) a
 * text that is no longer the one the prompts were found for.
 */
export function promptTextEdits(pipelineText: string, prompts: Record<string, string>, expectedSha256?: string): TextEdit[] {
  if (expectedSha256 !== undefined && sha256Text(pipelineText) !== expectedSha256) throw new EditRefused('The pipeline file changed since the search started: its prompts are not overwritten (run the search again on the file as it is now)');
  return writePrompts(analyze(pipelineText), prompts).edits;
}

/** The edits of promptTextEdits on an analysis of the text, with the edited text and its analysis (made to check the edits read back). */
export function writePrompts(a: Analysis, prompts: Record<string, string>): { edits: TextEdit[]; text: string; analysis: Analysis } {
  const pipelineText = a.text;
  const ids = Object.keys(prompts).filter((id) => a.stepIndex.get(id)?.step.parameters.prompt !== prompts[id]);
  if (!ids.length) return { edits: [], text: pipelineText, analysis: a };
  const spans = new Map(ids.map((id) => [id, promptSpan(a, id)]));
  const styles = new Map(ids.map((id) => [id, styleOf(pipelineText, spans.get(id)!)]));
  const make = () => ids.map((id) => editFor(pipelineText, spans.get(id)!, prompts[id], styles.get(id)!));
  let edits = checkAliases(a, 'set-prompt', make());
  // each value must read back as written: one that does not is written double-quoted
  for (let round = 0; ; round++) {
    const text = applyEdits(pipelineText, edits);
    const back = analyze(text);
    const wrong = ids.filter((id) => back.stepIndex.get(id)?.step.parameters.prompt !== prompts[id]);
    if (!wrong.length) return { edits, text, analysis: back };
    if (round === 1) throw new EditRefused(`The prompt of ${wrong.map((w) => `'${w}'`).join(', ')} cannot be written so that it reads back as it is`);
    for (const id of wrong) styles.set(id, 'double');
    edits = checkAliases(a, 'set-prompt', make());
  }
}
