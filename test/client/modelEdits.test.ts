// Apply of Optimize Models…, its pure part (client/modelEdits.ts): the chosen assignment as set-model
// edits of examples/optimize/support.pipeline.yaml, with the ranges the WorkspaceEdit gets and the
// lines the panel reports; applied, they change the model lines only.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { modelEdits, type RangedEdit } from '../../client/modelEdits';

const PIPELINE = fs.readFileSync(path.resolve(__dirname, '../../examples/optimize/support.pipeline.yaml'), 'utf8');

/** The edits applied as VS Code applies a WorkspaceEdit: each range of the original text, last first. */
function applied(text: string, edits: RangedEdit[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  let out = text;
  for (const e of [...edits].sort((a, b) => offset(b.start) - offset(a.start))) out = out.slice(0, offset(e.start)) + e.newText + out.slice(offset(e.end));
  return out;
}

describe('modelEdits: the chosen models as one WorkspaceEdit', () => {
  it('replaces the model lines of the steps that change and adds one to a step on the pipeline\'s model', () => {
    const r = modelEdits(PIPELINE, { extract: 'openai:gpt-4o-mini', reason: 'openai:gpt-4.1-mini', write: 'openai:gpt-4.1-mini' });
    assert.ok(r.ok);
    assert.deepEqual(r.edits, [
      { start: { line: 17, character: 11 }, end: { line: 17, character: 24 }, newText: 'openai:gpt-4o-mini' },
      { start: { line: 24, character: 11 }, end: { line: 24, character: 24 }, newText: 'openai:gpt-4.1-mini' },
      { start: { line: 30, character: 20 }, end: { line: 30, character: 20 }, newText: '\n    model: openai:gpt-4.1-mini' },
    ]);
    assert.deepEqual(r.changed, ['extract: openai:gpt-4o → openai:gpt-4o-mini (line 18)', 'reason: openai:gpt-4o → openai:gpt-4.1-mini (line 25)', 'write: openai:gpt-4o → openai:gpt-4.1-mini (line 32)']);
    const after = applied(PIPELINE, r.edits).split('\n');
    const before = PIPELINE.split('\n');
    assert.deepEqual([after[17], after[24], after[31]], ['    model: openai:gpt-4o-mini', '    model: openai:gpt-4.1-mini', '    model: openai:gpt-4.1-mini']);
    // every other line as it was
    assert.deepEqual([...after.slice(0, 17), ...after.slice(18, 24), ...after.slice(25, 31), ...after.slice(32)], [...before.slice(0, 17), ...before.slice(18, 24), ...before.slice(25)]);
  });

  it('leaves a step already on its chosen model alone: nothing to change is no edit', () => {
    const r = modelEdits(PIPELINE, { extract: 'openai:gpt-4o-mini', reason: 'openai:gpt-4o', write: 'openai:gpt-4o' });
    assert.ok(r.ok);
    assert.deepEqual(r.changed, ['extract: openai:gpt-4o → openai:gpt-4o-mini (line 18)']);
    assert.equal(r.edits.length, 1);
    assert.deepEqual(modelEdits(PIPELINE, { extract: 'openai:gpt-4o', reason: 'openai:gpt-4o', write: 'openai:gpt-4o' }), { ok: true, edits: [], changed: [] });
  });

  it('refuses, changing nothing, when the pipeline lost a step since the optimization', () => {
    const text = PIPELINE.replace(/id: reason/, 'id: think').replace('{{ reason.result }}', '{{ think.result }}');
    assert.deepEqual(modelEdits(text, { extract: 'openai:gpt-4o-mini', reason: 'openai:gpt-4o-mini' }), { ok: false, reason: "the pipeline has no step 'reason' any more: run Optimize Models… again" });
  });
});
