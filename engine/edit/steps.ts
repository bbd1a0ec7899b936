// Add, remove, duplicate and rename steps as edits of the lines they stand on: a new step is written
// in the indentation and spacing of its neighbours, a removed step takes only its own lines (and
// its dependents' entries for it), a rename changes every place the id is written.
import type { Analysis } from '../analyze/index';
import type { StepReference } from '../analyze/model';
import { exactSpan } from '../parse/yamlDocument';
import type { NodeSpan } from '../parse/nodeSpan';
import type { Step } from '../spec/types';
import { actionSpec, TOOL_SPECS } from '../toolkit/toolSpecs';
import { removeDependencyEdit, stepOf } from './dependencies';
import { contentEnd, EditRefused, lineStart, nextLineStart, yamlId, type TextEdit } from './textEdits';

const STEP_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** A parameter's text as YAML reads it back as that string: plain when it is safe, else quoted. */
function yamlValue(v: string): string {
  return /^[A-Za-z_./][A-Za-z0-9_./ -]*$/.test(v) && !/ $/.test(v) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(v) ? v : JSON.stringify(v);
}

function checkNewId(a: Analysis, id: string): void {
  if (!STEP_ID.test(id)) throw new EditRefused(`'${id}' is not a valid step id: a letter or '_', then letters, digits, '_' or '-'`);
  if (a.stepIndex.has(id)) throw new EditRefused(`A step '${id}' already exists`);
}

export function itemSpan(a: Analysis, step: Step): NodeSpan {
  const span = exactSpan(a.parsed, step.path);
  if (!span) throw new EditRefused(`'${step.id}' is not where the parse put it`);
  return span;
}

/** The lines a step's list item stands on: from its dash's line to the end of its last line. */
export function itemLines(text: string, span: NodeSpan): { start: number; end: number } {
  return { start: lineStart(text, span.start), end: nextLineStart(text, contentEnd(text, span)) };
}

export const blankAt = (text: string, lineFrom: number) => lineFrom < text.length && /^[ \t]*(\r?\n|$)/.test(text.slice(lineFrom, nextLineStart(text, lineFrom)));

export interface RemoveStep {
  edits: TextEdit[];
  /** Places that name the step besides its dependents' lists (templates, jumps, outputs): the findings the removal would cause. */
  breaks: StepReference[];
}

/** Removes a step: its lines, and its id from every sibling's explicit dependencies. */
export function removeStep(a: Analysis, id: string): RemoveStep {
  const step = stepOf(a, id);
  const siblings = a.stepIndex.get(id)!.ctx.steps;
  if (siblings.length === 1) throw new EditRefused(`'${id}' is the only step of its list, and a list of steps cannot be empty`);
  const text = a.text;
  const edits: TextEdit[] = [];
  for (const s of siblings) if (s !== step && s.dependencies.includes(id)) edits.push(...removeDependencyEdit(a, s, id));
  const lines = itemLines(text, itemSpan(a, step));
  let { start, end } = lines;
  // keep the list's spacing: one blank line between steps stays one
  const before = lineStart(text, Math.max(0, start - 1));
  if (start > 0 && blankAt(text, before)) {
    if (blankAt(text, end)) end = nextLineStart(text, end);
    else if (step === siblings[siblings.length - 1]) start = before;
  }
  edits.push({ start, end, newText: '' });
  const inside = (r: StepReference) => r.fromStep === id || (r.fromStep !== null && isInside(a, r.fromStep, id));
  const breaks = a.references.filter((r) => r.stepId === id && (r.kind === 'template' || r.kind === 'jump') && !inside(r));
  return { edits, breaks };
}

/** Whether step `inner` stands in the body of loop `outer`. */
function isInside(a: Analysis, inner: string, outer: string): boolean {
  for (let ctx = a.stepIndex.get(inner)?.ctx ?? null; ctx; ctx = ctx.parent) if (ctx.loop?.id === outer) return true;
  return false;
}

export interface NewStep {
  id: string;
  tool?: string | null;
  action: string;
  /** The new step follows this one (and depends on it); absent: it ends the top-level list. */
  after?: string | null;
  /** Parameters given; the action's other required parameters get `placeholder(name, n)`. */
  parameters?: Record<string, string>;
  placeholder?: (name: string, n: number) => string;
}

/** A new step after `after` (depending on it) or at the end of the pipeline, written like its neighbours. */
export function addStep(a: Analysis, n: NewStep): TextEdit[] {
  checkNewId(a, n.id);
  const spec = actionSpec(TOOL_SPECS, n.tool ?? null, n.action);
  if (!spec) throw new EditRefused(n.tool ? `The tool '${n.tool}' has no action '${n.action}'` : `There is no built-in action '${n.action}'`);
  const text = a.text;
  const after = n.after ? stepOf(a, n.after) : null;
  const siblings = after ? a.stepIndex.get(after.id)!.ctx.steps : (a.pipeline?.steps ?? []);
  const previous = after ?? siblings[siblings.length - 1];
  if (!previous) throw new EditRefused('The pipeline has no steps to add to');
  const span = itemSpan(a, previous);
  const dashPrefix = text.slice(lineStart(text, span.start), span.start);
  const keyIndent = ' '.repeat(dashPrefix.length);
  const given = n.parameters ?? {};
  const required = Object.entries(spec.parameters).filter(([, p]) => p.required && !p.aliasOf).map(([k]) => k);
  const params = [...new Set([...required, ...Object.keys(given)])];
  const lines = [`${dashPrefix}id: ${yamlId(n.id)}`];
  if (n.tool) lines.push(`${keyIndent}tool: ${n.tool}`);
  lines.push(`${keyIndent}action: ${n.action}`);
  if (after) lines.push(`${keyIndent}dependencies: [${yamlId(after.id)}]`);
  if (params.length) {
    lines.push(`${keyIndent}parameters:`);
    params.forEach((k, i) => lines.push(`${keyIndent}  ${k}: ${k in given ? yamlValue(given[k]) : (n.placeholder?.(k, i + 1) ?? '""')}`));
  }
  const at = nextLineStart(text, contentEnd(text, span));
  const i = siblings.indexOf(previous);
  const spaced = i > 0 ? blankAt(text, lineStart(text, lineStart(text, itemSpan(a, siblings[i]).start) - 1)) : i + 1 < siblings.length && blankAt(text, at);
  const block = `${spaced ? '\n' : ''}${lines.join('\n')}\n`;
  return [at === text.length && !text.endsWith('\n') ? { start: at, end: at, newText: `\n${block.replace(/\n$/, '')}` } : { start: at, end: at, newText: block }];
}

/** A copy of a step right after it, with a fresh id (`ID_2`, `ID_3`, ...); nothing depends on the copy. */
export function duplicateStep(a: Analysis, id: string): { edits: TextEdit[]; newId: string } {
  const step = stepOf(a, id);
  let k = 2;
  while (a.stepIndex.has(`${id}_${k}`)) k++;
  const newId = `${id}_${k}`;
  const text = a.text;
  const span = itemSpan(a, step);
  const { start, end } = itemLines(text, span);
  const idSpan = span.children?.get('id');
  if (!idSpan) throw new EditRefused(`'${id}' has no id key to copy`);
  const copy = text.slice(start, idSpan.start) + yamlId(newId) + text.slice(idSpan.end, end);
  // after the original's lines, with the blank line the list puts between steps
  const lead = (end === text.length && !text.endsWith('\n') ? '\n' : '') + (blankAt(text, end) ? '\n' : '');
  return { edits: [{ start: end, end, newText: lead + copy }], newId };
}

/** Renames a step everywhere it is written. A template names a hyphenated id as steps['a-b'], a plain one bare. */
export function renameStep(a: Analysis, oldId: string, newId: string): TextEdit[] {
  stepOf(a, oldId);
  if (newId === oldId) return [];
  checkNewId(a, newId);
  const text = a.text;
  const edits: TextEdit[] = [];
  for (const r of a.references) {
    if (r.stepId !== oldId) continue;
    const start = a.parsed.lines.offset(r.range.start);
    const end = a.parsed.lines.offset(r.range.end);
    if (r.kind !== 'template') {
      edits.push({ start, end, newText: newId });
      continue;
    }
    // in a template: `old.x` or `steps['old']`; the range covers the id itself
    const quoted = /['"]$/.test(text.slice(0, start)) && /^['"]/.test(text.slice(end));
    edits.push({ start, end, newText: quoted || /^[A-Za-z_$][\w$]*$/.test(newId) ? newId : `steps['${newId}']` });
  }
  return edits;
}
