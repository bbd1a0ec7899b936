// The graph editor's operations as code actions (server/graphActions.ts), driven as an editor drives
// the server over stdio: listed for the step under the cursor without edits, resolved on choice into
// the engine's exact edit; a removal a template reads is not offered; none while the file has errors.
import { strict as assert } from 'node:assert';
import type { CodeAction } from 'vscode-languageserver-protocol';
import { LspClient } from '../helpers/lspClient';

const URI = 'file:///work/moves.pipeline.yaml';
const DOC = [
  'id: moves', //                                       0
  'steps:', //                                          1
  '  - id: fetch   # first', //                         2
  '    action: generate', //                            3
  '    parameters: { prompt: "hi" }', //                4
  '  - id: each', //                                    5
  "    for_each: \"{{ ['a', 'b'] }}\"", //              6
  '    steps:', //                                      7
  '      - id: one', //                                 8
  '        action: generate', //                        9
  '        parameters: { prompt: "{{ item }}" }', //   10
  '      - id: two', //                                11
  '        action: generate', //                       12
  '        parameters: { prompt: "x" }', //            13
  '  - id: tail', //                                   14
  '    action: generate', //                           15
  '    parameters: { prompt: "{{ fetch.result }}" }', // 16
  '',
].join('\n');
const at = (line: number, character: number) => ({ start: { line, character }, end: { line, character } });

describe('language server: the graph operations as code actions', function () {
  this.timeout(30_000);
  let lsp: LspClient;
  before(async () => {
    lsp = new LspClient('stdio');
    const init = await lsp.initialize();
    assert.deepEqual((init.capabilities as { codeActionProvider: unknown }).codeActionProvider, { codeActionKinds: ['quickfix', 'refactor', 'refactor.move'], resolveProvider: true });
    lsp.open(URI, DOC);
    await lsp.diagnosticsFor(URI, 1);
  });
  after(() => lsp.stop());

  const actions = (line: number, character: number) => lsp.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri: URI }, range: at(line, character), context: { diagnostics: [] } });

  it('lists, for the step under the cursor, what the graph can do with it (no edit computed yet)', async () => {
    assert.deepEqual((await actions(9, 10)).map((a) => [a.title, a.kind, a.edit]), [
      ["Duplicate step 'one'", 'refactor.graph.duplicate', undefined],
      ["Remove step 'one'", 'refactor.graph.remove', undefined],
      ["Move step 'one' down (after 'two')", 'refactor.move.graph', undefined],
      ["Move step 'one' out of the loop 'each'", 'refactor.move.graph', undefined],
    ]);
    // fetch is read by tail's template: no removal offered
    assert.deepEqual((await actions(3, 6)).map((a) => a.title), ["Duplicate step 'fetch'", "Move step 'fetch' down (after 'each')", "Move step 'fetch' into the loop 'each'"]);
    assert.deepEqual(await actions(0, 2), [], 'no step at the pipeline id');
  });

  it('resolves a chosen action into the engine\'s edit of the document', async () => {
    const into = (await actions(15, 6)).find((a) => a.title === "Move step 'tail' into the loop 'each'")!;
    const resolved = await lsp.request<CodeAction>('codeAction/resolve', into);
    assert.deepEqual(resolved.edit!.changes![URI], [
      { range: { start: { line: 14, character: 0 }, end: { line: 17, character: 0 } }, newText: '' },
      { range: { start: { line: 14, character: 0 }, end: { line: 14, character: 0 } }, newText: '      - id: tail\n        action: generate\n        parameters: { prompt: "{{ fetch.result }}" }\n' },
    ]);
    const up = (await actions(12, 8)).find((a) => a.title === "Move step 'two' up (before 'one')")!;
    const moved = await lsp.request<CodeAction>('codeAction/resolve', up);
    assert.deepEqual(moved.edit!.changes![URI], [
      { range: { start: { line: 11, character: 0 }, end: { line: 14, character: 0 } }, newText: '' },
      { range: { start: { line: 8, character: 0 }, end: { line: 8, character: 0 } }, newText: '      - id: two\n        action: generate\n        parameters: { prompt: "x" }\n' },
    ]);
  });

  it('offers none while the pipeline has errors', async () => {
    const v = lsp.change(URI, [{ range: { start: { line: 15, character: 12 }, end: { line: 15, character: 20 } }, text: 'genrate' }]);
    const diags = await lsp.diagnosticsFor(URI, v);
    assert.ok(diags.some((d) => d.severity === 1));
    assert.deepEqual(await actions(3, 6), []);
  });
});
