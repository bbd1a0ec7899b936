// A ContextLab file in the editor (issue #74 item 15): the language server reads a document whose
// file is not named `*.pipeline.yaml` as ContextLab's, as `orc validate` does: an unknown key
// ContextLab ignores is a warning with its Remove quick fix, a typo of a known key stays an error;
// the same text in a `*.pipeline.yaml` file keeps both errors.
import { strict as assert } from 'node:assert';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol';
import { LspClient } from '../helpers/lspClient';

const DOC = ['id: notes', 'data:', '  rows: [a, b]', 'steps:', '  - id: a', '    tool: terminal', '    action: execute', '    notes: for the reader', '    parameters: {command: echo hi}', '  - id: b', '    tool: terminal', '    action: execute', '    dependecies: [a]', '    parameters: {command: echo done}', ''].join('\n');
const shape = (ds: Diagnostic[]) => ds.map((d) => [d.code, d.severity, `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`]);

describe('language server: a ContextLab file', function () {
  this.timeout(30_000);
  let lsp: LspClient;
  before(async () => {
    lsp = new LspClient('stdio');
    await lsp.initialize();
  });
  after(() => lsp.stop());

  it('reports unknown keys ContextLab ignores as warnings with a Remove fix, and a typo as an error', async () => {
    const uri = 'file:///work/examples/notes.yaml';
    lsp.open(uri, DOC);
    const diags = await lsp.diagnosticsFor(uri, 1);
    assert.deepEqual(shape(diags), [
      ['compat.unknown-key', 2, '1:0-1:4'],
      ['compat.unknown-key', 2, '7:4-7:9'],
      ['schema.unknown-key', 1, '12:4-12:15'],
    ]);
    assert.equal(diags[0].message, "Unknown key 'data' in the pipeline. ContextLab ignores a key it does not know, and so is this one ignored here: nothing reads it.");
    const actions = await lsp.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: diags[1].range, context: { diagnostics: [diags[1]] } });
    assert.deepEqual(actions.map((a) => [a.title, a.edit!.changes![uri]]), [["Remove 'notes'", [{ range: { start: { line: 7, character: 0 }, end: { line: 8, character: 0 } }, newText: '' }]]]);
  });

  it('the same text in a *.pipeline.yaml file: every unknown key is an error', async () => {
    const uri = 'file:///work/examples/notes.pipeline.yaml';
    lsp.open(uri, DOC);
    assert.deepEqual(shape(await lsp.diagnosticsFor(uri, 1)), [
      ['schema.unknown-key', 1, '1:0-1:4'],
      ['schema.unknown-key', 1, '7:4-7:9'],
      ['schema.unknown-key', 1, '12:4-12:15'],
    ]);
  });
});
