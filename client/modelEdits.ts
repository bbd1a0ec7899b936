// Apply of Optimize Models…, its pure part: the chosen models as the `set-model` edits of the
// pipeline's text (the smallest edit of each step whose model changes, all against the same text, so
// they go into one WorkspaceEdit that one Undo takes back), with line/character ranges, and the lines
// the panel reports. No vscode: test/client/modelEdits.test.ts.
import { analyze, type Assignment, editPipeline } from '../engine/api/index';

export interface Position {
  line: number;
  character: number;
}

export interface RangedEdit {
  start: Position;
  end: Position;
  newText: string;
}

export type ModelEdits = { ok: true; edits: RangedEdit[]; /** `step: old → new (line N)`, N counted in the edited text. */ changed: string[] } | { ok: false; reason: string };

function positionAt(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = (before.match(/\n/g) ?? []).length;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

/** The model a step runs on as written: ContextLab's `model` parameter, its own `model:`, else the pipeline's. */
function currentModel(a: ReturnType<typeof analyze>, step: string): string | null {
  const s = a.stepIndex.get(step)?.step;
  if (!s) return null;
  return (typeof s.parameters.model === 'string' ? s.parameters.model : null) ?? s.model ?? a.pipeline?.model ?? null;
}

export function modelEdits(text: string, chosen: Assignment): ModelEdits {
  const a = analyze(text);
  const made: { start: number; end: number; newText: string; step: string; from: string | null; to: string }[] = [];
  for (const [step, model] of Object.entries(chosen)) {
    if (!a.stepIndex.get(step)) return { ok: false, reason: `the pipeline has no step '${step}' any more: run Optimize Models… again` };
    const from = currentModel(a, step);
    if (from === model) continue;
    const r = editPipeline(text, { op: 'set-model', id: step, model }, a);
    if (!r.ok) return { ok: false, reason: r.reason };
    for (const e of r.edits) made.push({ ...e, step, from, to: model });
  }
  made.sort((x, y) => x.start - y.start);
  // the line of each change in the edited text: the offsets shift by what the earlier edits add
  let shift = 0;
  const changed: string[] = [];
  let edited = text;
  for (const e of made) {
    edited = edited.slice(0, e.start + shift) + e.newText + edited.slice(e.end + shift);
    const at = e.start + shift + (e.newText.startsWith('\n') || e.newText.startsWith('\r\n') ? e.newText.indexOf('\n') + 1 : 0);
    changed.push(`${e.step}: ${e.from ?? '(none)'} → ${e.to} (line ${positionAt(edited, at).line + 1})`);
    shift += e.newText.length - (e.end - e.start);
  }
  return { ok: true, edits: made.map((e) => ({ start: positionAt(text, e.start), end: positionAt(text, e.end), newText: e.newText })), changed };
}
