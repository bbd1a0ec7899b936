// What the language server keeps of a document between its open and its first edit
// (server/documents.ts): the open keeps its per-step results, so that the first edit takes the
// results of the steps it did not touch instead of checking every step again.
import { strict as assert } from 'node:assert';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { forgetStepMemo } from '../../engine/analyze/stepMemo';
import { AnalysisCache } from '../../server/documents';

/** 300 steps (read by sections), every tenth with a parameter its action does not take: a finding per tenth step. */
function longPipeline(id: string): string {
  const lines = [`id: ${id}`, 'steps:'];
  for (let i = 0; i < 300; i++) {
    lines.push(`  - id: step_${i}`, '    action: generate', '    parameters:', `      prompt: "Go on after {{ ${i ? `step_${i - 1}.status` : 'execution.id'} }}"`);
    if (i % 10 === 0) lines.push('      colour: blue');
    if (i) lines.push(`    dependencies: [step_${i - 1}]`);
  }
  return lines.join('\n') + '\n';
}

/** The first edit: one character of step_150's prompt. */
function edit(doc: TextDocument): TextDocument {
  const at = doc.getText().indexOf('{{ step_149.status }}');
  return TextDocument.update(doc, [{ range: { start: doc.positionAt(at - 2), end: doc.positionAt(at - 1) }, text: 'R' }], doc.version + 1);
}

describe('the analysis cache of a long document', () => {
  it('the open keeps its per-step results: the first edit, made at once, takes the findings of the steps it did not touch', () => {
    forgetStepMemo();
    const cache = new AnalysisCache();
    const opened = TextDocument.create('file:///b.pipeline.yaml', 'orchestrator-pipeline', 1, longPipeline('b'));
    const open = cache.get(opened);
    assert.equal(open.findings.filter((f) => f.code === 'param.unknown').length, 30);
    assert.equal(cache.get(opened), open, 'one analysis a version');
    const a2 = cache.get(edit(opened));
    const before = new Set(open.findings);
    // the findings of the 29 untouched steps are taken from the open's analysis; step_150's is new
    const taken = a2.findings.filter((f) => before.has(f));
    assert.equal(taken.length, 29);
    assert.deepEqual(a2.findings.filter((f) => !before.has(f)).map((f) => f.step), ['step_150']);
  });

  it('a document the section reader declines (an anchor) keeps nothing: its edit checks every step again', () => {
    forgetStepMemo();
    const cache = new AnalysisCache();
    const text = 'id: t\nsteps:\n  - &a {id: a, action: generate, parameters: {prompt: hi, colour: blue}}\n  - {id: b, action: generate, parameters: {prompt: hi, colour: red}}\n';
    const anchored = TextDocument.create('file:///t.pipeline.yaml', 'orchestrator-pipeline', 1, text);
    const open = cache.get(anchored);
    assert.deepEqual(open.findings.map((f) => [f.code, f.step]), [['param.unknown', 'a'], ['param.unknown', 'b']]);
    const at = text.lastIndexOf('hi');
    const edited = TextDocument.update(anchored, [{ range: { start: anchored.positionAt(at), end: anchored.positionAt(at + 2) }, text: 'ho' }], 2);
    const a2 = cache.get(edited);
    assert.deepEqual(a2.findings.map((f) => [f.code, f.step]), [['param.unknown', 'a'], ['param.unknown', 'b']]);
    const before = new Set(open.findings);
    assert.equal(a2.findings.filter((f) => before.has(f)).length, 0, 'no finding taken from the open');
  });

  it('typing in a short document between two edits of a long one: the long one\'s edit still takes the findings of the steps it did not touch', () => {
    forgetStepMemo();
    const cache = new AnalysisCache();
    const long = TextDocument.create('file:///c.pipeline.yaml', 'orchestrator-pipeline', 1, longPipeline('c'));
    const opened = cache.get(long);
    let short = TextDocument.create('file:///short.pipeline.yaml', 'orchestrator-pipeline', 1, 'id: short\nsteps:\n  - id: a\n    action: generate\n    parameters: {prompt: "hi"}\n');
    cache.get(short);
    for (let i = 0; i < 30; i++) {
      // one more character in the prompt, before its closing quote
      const at = short.getText().lastIndexOf('"');
      short = TextDocument.update(short, [{ range: { start: short.positionAt(at), end: short.positionAt(at) }, text: 'i' }], short.version + 1);
      assert.deepEqual(cache.get(short).findings, []);
    }
    const a2 = cache.get(edit(long));
    const before = new Set(opened.findings);
    assert.equal(a2.findings.filter((f) => before.has(f)).length, 29);
    assert.deepEqual(a2.findings.filter((f) => !before.has(f)).map((f) => f.step), ['step_150']);
  });
});
