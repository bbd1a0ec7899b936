// What the language server keeps of a document between its open and its first edit
// (server/documents.ts): the open keeps no per-step results; `prime` keeps them, so that the first
// edit takes the results of the steps it did not touch instead of checking every step again.
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
  it('a short document is read by sections and primed as a long one is; one the section reader declines keeps no per-step results in any analysis, so it is never primed', () => {
    const cache = new AnalysisCache();
    const short = TextDocument.create('file:///s.pipeline.yaml', 'orchestrator-pipeline', 1, 'id: s\nsteps:\n  - id: a\n    action: generate\n    parameters: {prompt: hi}\n');
    assert.deepEqual(cache.get(short).findings, []);
    assert.equal(cache.unprimed(short), true);
    assert.equal(cache.prime(short), true);
    assert.equal(cache.unprimed(short), false);
    assert.deepEqual(cache.get(short).findings, []);
    // an anchor: read in one parse, as the section reader reads no anchors or aliases
    const anchored = TextDocument.create('file:///t.pipeline.yaml', 'orchestrator-pipeline', 1, 'id: t\nsteps:\n  - &a {id: a, action: generate, parameters: {prompt: hi}}\n');
    assert.deepEqual(cache.get(anchored).findings, []);
    assert.equal(cache.unprimed(anchored), false);
    assert.equal(cache.prime(anchored), false);
  });

  it('its open keeps nothing for the first edit, which then checks every step', () => {
    forgetStepMemo();
    const cache = new AnalysisCache();
    const opened = TextDocument.create('file:///a.pipeline.yaml', 'orchestrator-pipeline', 1, longPipeline('a'));
    const a1 = cache.get(opened);
    assert.equal(a1.findings.filter((f) => f.code === 'param.unknown').length, 30);
    assert.equal(cache.unprimed(opened), true);
    const edited = edit(opened);
    const a2 = cache.get(edited);
    const before = new Set(a1.findings);
    assert.equal(a2.findings.filter((f) => before.has(f)).length, 0);
    assert.equal(cache.unprimed(edited), false, 'an edit keeps its results');
  });

  it('primed, it keeps them: the first edit takes the findings of the steps it did not touch', () => {
    forgetStepMemo();
    const cache = new AnalysisCache();
    const opened = TextDocument.create('file:///b.pipeline.yaml', 'orchestrator-pipeline', 1, longPipeline('b'));
    const open = cache.get(opened);
    assert.equal(cache.prime(opened), true);
    assert.equal(cache.prime(opened), false, 'primed once');
    assert.equal(cache.unprimed(opened), false);
    const primed = cache.get(opened);
    assert.notEqual(primed, open, 'the primed analysis takes the place of the open\'s');
    assert.deepEqual(primed.findings, open.findings);
    const a2 = cache.get(edit(opened));
    const before = new Set(primed.findings);
    // the findings of the 29 untouched steps are taken from the primed analysis; step_150's is new
    const taken = a2.findings.filter((f) => before.has(f));
    assert.equal(taken.length, 29);
    assert.deepEqual(a2.findings.filter((f) => !before.has(f)).map((f) => f.step), ['step_150']);
    // a version the cache has moved past is not primed
    assert.equal(cache.prime(opened), false);
  });

  it('typing in a short document between two edits of a long one: the long one\'s edit still takes the findings of the steps it did not touch', () => {
    forgetStepMemo();
    const cache = new AnalysisCache();
    const long = TextDocument.create('file:///c.pipeline.yaml', 'orchestrator-pipeline', 1, longPipeline('c'));
    cache.get(long);
    assert.equal(cache.prime(long), true);
    const primed = cache.get(long);
    let short = TextDocument.create('file:///short.pipeline.yaml', 'orchestrator-pipeline', 1, 'id: short\nsteps:\n  - id: a\n    action: generate\n    parameters: {prompt: "hi"}\n');
    cache.get(short);
    for (let i = 0; i < 30; i++) {
      // one more character in the prompt, before its closing quote
      const at = short.getText().lastIndexOf('"');
      short = TextDocument.update(short, [{ range: { start: short.positionAt(at), end: short.positionAt(at) }, text: 'i' }], short.version + 1);
      assert.deepEqual(cache.get(short).findings, []);
    }
    const a2 = cache.get(edit(long));
    const before = new Set(primed.findings);
    assert.equal(a2.findings.filter((f) => before.has(f)).length, 29);
    assert.deepEqual(a2.findings.filter((f) => !before.has(f)).map((f) => f.step), ['step_150']);
  });
});
