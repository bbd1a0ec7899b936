// Moving a step: into a loop's body, out of it (to right after the loop), or to another place in its
// list. The step's lines (with the comment lines right above them) are cut and written again at the
// new place, shifted to the new list's indentation; everything else stays byte for byte. A dependency
// joins steps of one list, so a step that changes list loses its own explicit dependencies and its
// old siblings' entries for it (the summary names them); templates keep reading what they read, and
// the edited pipeline is analyzed again like every edit.
import type { Analysis } from '../analyze/index';
import type { Step } from '../spec/types';
import { removeDependencyEdit, removeDependencyKey, stepOf } from './dependencies';
import { blankAt, itemLines, itemSpan } from './steps';
import { applyEdits, contentEnd, EditRefused, isFlow, lineStart, nextLineStart, type TextEdit } from './textEdits';
import { exactSpan } from '../parse/yamlDocument';

export interface MoveResult {
  edits: TextEdit[];
  /** Dependencies the move dropped, as `from → to`, because their two steps no longer share a list. */
  dropped: string[];
}

const siblingsOf = (a: Analysis, step: Step): Step[] => a.stepIndex.get(step.id)!.ctx.steps;

/** The column a step's keys start at (just after its list dash). */
const columnOf = (a: Analysis, step: Step) => {
  const span = itemSpan(a, step);
  return span.start - lineStart(a.text, span.start);
};

/** Whether the list writes a blank line between its steps. */
function spaced(a: Analysis, list: Step[]): boolean {
  if (list.length < 2) return false;
  const second = blockOf(a, list[1]).start;
  return second > 0 && blankAt(a.text, lineStart(a.text, second - 1));
}

/** The step's lines, from the comment lines right above its dash to its last line. */
function blockOf(a: Analysis, step: Step): { start: number; end: number } {
  const text = a.text;
  let { start, end } = itemLines(text, itemSpan(a, step));
  while (start > 0) {
    const prev = lineStart(text, start - 1);
    if (!/^[ \t]*#/.test(text.slice(prev, start))) break;
    start = prev;
  }
  return { start, end };
}

/** What is cut to take the step out of its list: its block and one of the blank lines around it (never past `limit`). */
function cutOf(a: Analysis, step: Step, limit: number): { start: number; end: number } {
  const text = a.text;
  const block = blockOf(a, step);
  let { start, end } = block;
  const siblings = siblingsOf(a, step);
  const before = lineStart(text, Math.max(0, start - 1));
  const blankBefore = start > 0 && blankAt(text, before);
  const blankAfter = blankAt(text, end) && nextLineStart(text, end) <= limit;
  if (blankAfter && (blankBefore || step === siblings[0])) end = nextLineStart(text, end);
  else if (blankBefore && step === siblings[siblings.length - 1]) start = before;
  return { start, end };
}

/** The step's block as text, with `inner` (edits inside it) applied and every line shifted by `shift` columns. */
function movedText(a: Analysis, step: Step, inner: TextEdit[], shift: number): string {
  const { start, end } = blockOf(a, step);
  const own = inner.filter((e) => e.start >= start && e.end <= end).map((e) => ({ start: e.start - start, end: e.end - start, newText: e.newText }));
  let block = applyEdits(a.text.slice(start, end), own);
  if (!block.endsWith('\n')) block += '\n';
  if (shift === 0) return block;
  return block.replace(/^([ \t]*)(?=\S)/gm, (lead: string) => (shift > 0 ? ' '.repeat(shift) + lead : lead.slice(Math.min(-shift, lead.length - lead.trimStart().length))));
}

function refuseFlow(a: Analysis, step: Step, what: string): void {
  const list = exactSpan(a.parsed, step.path.slice(0, -1));
  if (list && isFlow(a.text, list)) throw new EditRefused(`${what} is written in flow style ([...]): move it by hand`);
}

/** The edits that take `step` out of its list (its lines, its dependencies, its siblings' entries for it). */
function leaveList(a: Analysis, step: Step, limit: number): { cut: TextEdit; ownDeps: TextEdit[]; dependents: TextEdit[]; dropped: string[] } {
  const dropped: string[] = step.dependencies.map((d) => `${d} → ${step.id}`);
  const dependents: TextEdit[] = [];
  for (const s of siblingsOf(a, step)) {
    if (s !== step && s.dependencies.includes(step.id)) {
      dependents.push(...removeDependencyEdit(a, s, step.id));
      dropped.push(`${step.id} → ${s.id}`);
    }
  }
  const cut = cutOf(a, step, limit);
  return { cut: { start: cut.start, end: cut.end, newText: '' }, ownDeps: removeDependencyKey(a, step), dependents, dropped };
}

/** `stepId` becomes the last step of loop `loopId`'s body (they stand in one list). */
export function moveInto(a: Analysis, loopId: string, stepId: string): MoveResult {
  const loop = stepOf(a, loopId);
  const step = stepOf(a, stepId);
  if (loopId === stepId) throw new EditRefused(`A loop cannot hold itself ('${loopId}')`);
  if (!loop.body || !loop.body.length) throw new EditRefused(`'${loopId}' is not a loop with a list of steps`);
  if (!siblingsOf(a, loop).includes(step)) throw new EditRefused(`'${stepId}' and '${loopId}' are not steps of the same list: a step moves into a loop that stands beside it`);
  refuseFlow(a, step, `The list '${stepId}' stands in`);
  refuseFlow(a, loop.body[0], `The body of '${loopId}'`);
  const last = loop.body[loop.body.length - 1];
  const text = a.text;
  const at = nextLineStart(text, contentEnd(text, itemSpan(a, last)));
  const { cut, ownDeps, dependents, dropped } = leaveList(a, step, text.length);
  const block = movedText(a, step, ownDeps, columnOf(a, last) - columnOf(a, step));
  const lead = (at === text.length && !text.endsWith('\n') ? '\n' : '') + (spaced(a, loop.body) ? '\n' : '');
  return { edits: [cut, ...dependents, { start: at, end: at, newText: lead + block }], dropped };
}

/** A step of a loop's body moves out of it, to right after the loop in the loop's list. */
export function moveOut(a: Analysis, stepId: string): MoveResult {
  const step = stepOf(a, stepId);
  const loop = a.stepIndex.get(stepId)!.ctx.loop;
  if (!loop) throw new EditRefused(`'${stepId}' is not in a loop's body`);
  if (loop.body!.length === 1) throw new EditRefused(`'${stepId}' is the only step of '${loop.id}'s body, and a list of steps cannot be empty`);
  refuseFlow(a, step, `The body of '${loop.id}'`);
  refuseFlow(a, loop, `The list '${loop.id}' stands in`);
  const text = a.text;
  const at = nextLineStart(text, contentEnd(text, itemSpan(a, loop)));
  const { cut, ownDeps, dependents, dropped } = leaveList(a, step, at);
  const block = movedText(a, step, ownDeps, columnOf(a, loop) - columnOf(a, step));
  const lead = (at === text.length && !text.endsWith('\n') ? '\n' : '') + (spaced(a, siblingsOf(a, loop)) ? '\n' : '');
  return { edits: [...dependents, cut, { start: at, end: at, newText: lead + block }], dropped };
}

/** `stepId` moves to just before `beforeId` in their list; dependencies do not change. */
export function reorder(a: Analysis, stepId: string, beforeId: string): MoveResult {
  const step = stepOf(a, stepId);
  const before = stepOf(a, beforeId);
  if (stepId === beforeId) throw new EditRefused(`A step cannot move before itself ('${stepId}')`);
  const list = siblingsOf(a, step);
  if (!list.includes(before)) throw new EditRefused(`'${stepId}' and '${beforeId}' are not steps of the same list`);
  if (list[list.indexOf(before) - 1] === step) throw new EditRefused(`'${stepId}' already stands just before '${beforeId}'`);
  refuseFlow(a, step, `The list '${stepId}' stands in`);
  const at = blockOf(a, before).start;
  const cut = cutOf(a, step, a.text.length);
  const block = movedText(a, step, [], 0);
  return { edits: [{ start: cut.start, end: cut.end, newText: '' }, { start: at, end: at, newText: block + (spaced(a, list) ? '\n' : '') }], dropped: [] };
}
