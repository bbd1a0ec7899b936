// `set-model`: a step's model changed as the smallest edit of its text. The value of its `model:`
// (or, in a fallback chain, the chain's first model; or ContextLab's `model` parameter, which wins
// over the step's) is replaced in its own quoting; a step without one gains `model:` after its
// `action:` line (where the format and `orc edit add-step` put it), or inside its braces.
import type { Analysis } from '../analyze/index';
import { exactSpan } from '../parse/yamlDocument';
import type { NodeSpan } from '../parse/nodeSpan';
import { stepOf } from './dependencies';
import { contentEnd, EditRefused, isFlow, lineEnd, lineStart, type TextEdit } from './textEdits';

const MODEL_ID = /^[A-Za-z0-9_.-]+:[^\s]+$/;

/** The model as the scalar it replaces writes it: in the same quotes, else plain when YAML reads it back as that string. */
function written(model: string, old: string | null): string {
  if (old?.startsWith("'")) return `'${model.replace(/'/g, "''")}'`;
  if (old?.startsWith('"')) return JSON.stringify(model);
  return /^[A-Za-z0-9_][A-Za-z0-9_.:/@-]*$/.test(model) && !model.endsWith(':') ? model : JSON.stringify(model);
}

function replaceScalar(text: string, span: NodeSpan, model: string): TextEdit {
  if (span.children) {
    // a fallback chain: its first model
    const first = span.children.get(0);
    if (!first) throw new EditRefused('the step\'s model: is an empty list');
    return replaceScalar(text, first, model);
  }
  const old = text.slice(span.start, span.end);
  if (old.startsWith('*')) throw new EditRefused(`the step's model is an alias (${old}) that other steps may share: write it out in the step first`);
  return { start: span.start, end: span.end, newText: written(model, old) };
}

export function setModel(a: Analysis, id: string, model: string): TextEdit[] {
  if (!MODEL_ID.test(model)) throw new EditRefused(`'${model}' is not a model: a model is written provider:model`);
  const step = stepOf(a, id);
  const text = a.text;
  const mapping = exactSpan(a.parsed, step.path);
  if (!mapping?.children) throw new EditRefused(`'${id}' is not where the parse put it`);
  const edits: TextEdit[] = [];
  const own = mapping.children.get('model');
  const param = typeof step.parameters.model === 'string' ? mapping.children.get('parameters')?.children?.get('model') : undefined;
  if (param) edits.push(replaceScalar(text, param, model));
  if (own) edits.push(replaceScalar(text, own, model));
  if (edits.length) return edits;
  if (isFlow(text, mapping)) {
    // right after the last entry, before the spaces that lead to the closing brace
    let at = contentEnd(text, mapping) - 1;
    while (at > mapping.start && /\s/.test(text[at - 1])) at--;
    return [{ start: at, end: at, newText: `, model: ${written(model, null)}` }];
  }
  // after the action (else the tool, else the id), at the column of the step's first key
  const first = mapping.children.first()!;
  const after = mapping.children.get('action') ?? mapping.children.get('tool') ?? mapping.children.get('id') ?? first;
  const indent = ' '.repeat(first.keyStart - lineStart(text, first.keyStart));
  if (after.children) throw new EditRefused(`'${id}' has no scalar action: line to put model: after`);
  const at = lineEnd(text, after.end);
  return [{ start: at, end: at, newText: `\n${indent}model: ${written(model, null)}` }];
}
