// The graph editor's operations on a pipeline's text, for the panel, the language server and
// `orc edit`: each is computed on the parse, applied, and the result analyzed again, so an edit that
// would leave the pipeline broken (a cycle, a reference to a removed step) is refused with the
// findings it would cause instead of being written.
import { analyze, hasErrors, type Analysis } from '../analyze/index';
import type { Finding } from '../spec/types';
import { checkAliases } from './aliases';
import { connect, disconnect } from './dependencies';
import { setModel } from './models';
import { moveInto, moveOut, reorder } from './moves';
import { addStep, duplicateStep, removeStep, renameStep, type NewStep } from './steps';
import { applyEdits, EditRefused, type TextEdit } from './textEdits';

export type EditOperation =
  | { op: 'connect'; from: string; to: string }
  | { op: 'disconnect'; from: string; to: string }
  | ({ op: 'add-step' } & NewStep)
  | { op: 'remove-step'; id: string }
  | { op: 'duplicate-step'; id: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'move-into'; loop: string; id: string }
  | { op: 'move-out'; id: string }
  | { op: 'reorder'; id: string; before: string }
  | { op: 'set-model'; id: string; model: string };

export type EditResult =
  | { ok: true; edits: TextEdit[]; text: string; summary: string; analysis: Analysis; /** Errors the edit causes (only with `force`; else such an edit is refused). */ caused: Finding[] }
  /** Nothing is written: why, and the errors the edit would have caused (empty when it was refused before being made). */
  | { ok: false; reason: string; findings: Finding[] };

function describe(op: EditOperation): string {
  switch (op.op) {
    case 'connect':
      return `'${op.to}' now depends on '${op.from}'`;
    case 'disconnect':
      return `'${op.to}' no longer depends on '${op.from}'`;
    case 'add-step':
      return `added step '${op.id}'${op.after ? ` after '${op.after}'` : ''}`;
    case 'remove-step':
      return `removed step '${op.id}'`;
    case 'duplicate-step':
      return `duplicated step '${op.id}'`;
    case 'rename':
      return `renamed step '${op.from}' to '${op.to}'`;
    case 'move-into':
      return `moved '${op.id}' into the loop '${op.loop}'`;
    case 'move-out':
      return `moved '${op.id}' out of its loop`;
    case 'reorder':
      return `moved '${op.id}' before '${op.before}'`;
    case 'set-model':
      return `'${op.id}' now uses ${op.model}`;
  }
}

function editsOf(a: Analysis, op: EditOperation, force: boolean): { edits: TextEdit[]; summary: string } {
  switch (op.op) {
    case 'connect':
      return { edits: connect(a, op.from, op.to), summary: describe(op) };
    case 'disconnect':
      return { edits: disconnect(a, op.from, op.to), summary: describe(op) };
    case 'add-step':
      return { edits: addStep(a, op), summary: describe(op) };
    case 'remove-step': {
      const r = removeStep(a, op.id);
      if (r.breaks.length && !force) {
        const where = r.breaks.map((b) => `${b.fromStep ? `'${b.fromStep}'` : 'the outputs'} (line ${b.range.start.line + 1})`);
        throw new EditRefused(`'${op.id}' is still read by ${[...new Set(where)].join(', ')}: change those first, or the pipeline would not compile`);
      }
      return { edits: r.edits, summary: describe(op) };
    }
    case 'duplicate-step': {
      const r = duplicateStep(a, op.id);
      return { edits: r.edits, summary: `${describe(op)} as '${r.newId}'` };
    }
    case 'rename':
      return { edits: renameStep(a, op.from, op.to), summary: describe(op) };
    case 'set-model':
      return { edits: setModel(a, op.id, op.model), summary: describe(op) };
    case 'move-into':
    case 'move-out':
    case 'reorder': {
      const r = op.op === 'move-into' ? moveInto(a, op.loop, op.id) : op.op === 'move-out' ? moveOut(a, op.id) : reorder(a, op.id, op.before);
      return { edits: r.edits, summary: `${describe(op)}${r.dropped.length ? ` (dropped the dependencies ${r.dropped.join(', ')}: a dependency joins steps of one list)` : ''}` };
    }
  }
}

const key = (f: Finding) => `${f.code}\u0000${f.message}`;

export interface EditOptions {
  /** Make the edit even when it causes errors (a removal a template still reads): the editor offers
   * it with the findings it will cause, and makes it when the person confirms. */
  force?: boolean;
}

/** Makes the edit on `text`: refused (nothing changes) when the pipeline does not compile now, when the
 * operation makes no sense here, or (unless `force`) when the edited pipeline has an error the original did not. */
export function editPipeline(text: string, op: EditOperation, analysis: Analysis = analyze(text), options: EditOptions = {}): EditResult {
  if (!analysis.pipeline || hasErrors(analysis.findings)) {
    return { ok: false, reason: 'The pipeline has errors: fix them before editing it through the graph', findings: analysis.findings.filter((f) => f.severity === 'error') };
  }
  let made: { edits: TextEdit[]; summary: string };
  try {
    made = editsOf(analysis, op, options.force === true);
    made.edits = checkAliases(analysis, op.op, made.edits);
  } catch (e) {
    if (e instanceof EditRefused) return { ok: false, reason: e.message, findings: [] };
    throw e;
  }
  // a file written with CRLF gets CRLF in what is added
  if (text.includes('\r\n')) made.edits = made.edits.map((e) => ({ ...e, newText: e.newText.replace(/\r?\n/g, '\r\n') }));
  const edited = applyEdits(text, made.edits);
  const after = analyze(edited);
  const before = new Set(analysis.findings.map(key));
  const caused = after.findings.filter((f) => f.severity === 'error' && !before.has(key(f)));
  if (caused.length && !options.force) return { ok: false, reason: `The edit would leave ${caused.length} error${caused.length === 1 ? '' : 's'}`, findings: caused };
  return { ok: true, edits: made.edits, text: edited, summary: made.summary, analysis: after, caused };
}
