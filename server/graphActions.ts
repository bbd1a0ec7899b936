// The graph editor's operations as code actions on the step under the cursor (refactor kinds, in the
// editor's light bulb and Refactor… menu): duplicate, remove, move up or down in its list, move into
// a loop beside it or out of its loop. They are listed cheaply (no edit computed) and resolved on
// choice (codeAction/resolve) with the engine's edit (engine/edit), which also refuses an edit that
// would break the pipeline: such an action resolves to no edit, and its title says why beforehand
// where that is known without editing (a removal a template still reads is not offered).
import { CodeActionKind, type CodeAction, type Range, type TextEdit } from 'vscode-languageserver';
import type { Analysis } from '../engine/analyze/index';
import { spanAt } from '../engine/analyze/locate';
import { editPipeline, type EditOperation } from '../engine/edit/operations';
import type { Step } from '../engine/spec/types';

export const GRAPH_REFACTOR = `${CodeActionKind.Refactor}.graph`;

interface GraphActionData {
  graphEdit: EditOperation;
  uri: string;
}

/** The innermost step whose YAML holds the position. */
function stepAt(a: Analysis, offset: number): Step | undefined {
  const { path } = spanAt(a.parsed.spans, offset);
  let best: Step | undefined;
  for (const { step } of a.stepIndex.values()) {
    if (step.path.length <= path.length && step.path.every((k, i) => path[i] === k) && (!best || step.path.length > best.path.length)) best = step;
  }
  return best;
}

/** The actions for the step at `range`'s start; empty when the pipeline does not compile or no step is there. */
export function graphActions(a: Analysis, uri: string, range: Range): CodeAction[] {
  if (!a.pipeline || a.findings.some((f) => f.severity === 'error')) return [];
  const step = stepAt(a, a.parsed.lines.offset(range.start));
  if (!step) return [];
  const entry = a.stepIndex.get(step.id)!;
  const list = entry.ctx.steps;
  const i = list.indexOf(step);
  const out: CodeAction[] = [];
  const add = (title: string, kind: string, op: EditOperation) => out.push({ title, kind, data: { graphEdit: op, uri } satisfies GraphActionData });
  add(`Duplicate step '${step.id}'`, `${GRAPH_REFACTOR}.duplicate`, { op: 'duplicate-step', id: step.id });
  const readers = a.references.filter((r) => r.stepId === step.id && (r.kind === 'template' || r.kind === 'jump') && r.fromStep !== step.id);
  if (!readers.length && list.length > 1) add(`Remove step '${step.id}'`, `${GRAPH_REFACTOR}.remove`, { op: 'remove-step', id: step.id });
  if (i > 0) add(`Move step '${step.id}' up (before '${list[i - 1].id}')`, `${CodeActionKind.RefactorMove}.graph`, { op: 'reorder', id: step.id, before: list[i - 1].id });
  if (i + 1 < list.length) add(`Move step '${step.id}' down (after '${list[i + 1].id}')`, `${CodeActionKind.RefactorMove}.graph`, { op: 'reorder', id: list[i + 1].id, before: step.id });
  for (const loop of list.filter((s) => s !== step && s.body && s.body.length).slice(0, 3)) add(`Move step '${step.id}' into the loop '${loop.id}'`, `${CodeActionKind.RefactorMove}.graph`, { op: 'move-into', loop: loop.id, id: step.id });
  if (entry.ctx.loop && list.length > 1) add(`Move step '${step.id}' out of the loop '${entry.ctx.loop.id}'`, `${CodeActionKind.RefactorMove}.graph`, { op: 'move-out', id: step.id });
  return out;
}

export const isGraphAction = (c: CodeAction): boolean => typeof (c.data as Partial<GraphActionData> | undefined)?.graphEdit === 'object';

/** The action with its edit: the engine's edit of the document as it is now (none when the engine refuses it). */
export function resolveGraphAction(a: Analysis, action: CodeAction): CodeAction {
  const data = action.data as GraphActionData;
  const r = editPipeline(a.text, data.graphEdit, a);
  if (!r.ok) return { ...action, disabled: { reason: r.reason } };
  const edits: TextEdit[] = r.edits.map((e) => ({ range: a.parsed.lines.range(e.start, e.end), newText: e.newText }));
  return { ...action, edit: { changes: { [data.uri]: edits } } };
}
