// ContextLab's pipelines in the editor: the language server over stdio offers the analyzer's quick
// fixes for ContextLab's ignored keys and for PyYAML's under-indented quoted values, and positions
// after a repaired value still land on the file's own characters (definition, hover).
import { strict as assert } from 'node:assert';
import type { CodeAction, Diagnostic, Hover, Location } from 'vscode-languageserver-protocol';
import { LspClient } from '../helpers/lspClient';

const URI = 'file:///work/moved.pipeline.yaml';
const DOC = [
  'id: moved', //                                      0
  'steps:', //                                         1
  '  - id: fetch', //                                  2
  '    tool: terminal', //                             3
  '    action: execute', //                            4
  '    parameters:', //                                5
  '      command: "echo {{', //                        6
  "        'x' if true else 'y'", //                   7
  '      }}"', //                                      8
  '    continue_on_error: true', //                    9
  '  - id: save', //                                   10
  '    tool: filesystem', //                           11
  '    action: write', //                              12
  '    parameters:', //                                13
  '      path: out.txt', //                            14
  '      content: "{{ fetch.stdout }}"', //            15
  '',
].join('\n');

describe("language server: ContextLab's pipelines", function () {
  this.timeout(30_000);
  let lsp: LspClient;

  before(async () => {
    lsp = new LspClient('stdio');
    await lsp.initialize();
  });
  after(() => lsp.stop());

  it('reports the repaired quote and the ignored key as warnings, and offers their fixes as quick fixes', async () => {
    lsp.open(URI, DOC);
    const diags: Diagnostic[] = await lsp.diagnosticsFor(URI, 1);
    assert.deepEqual(diags.map((d) => [d.code, d.severity, `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`]), [
      ['yaml.under-indented-quote', 2, '8:6-8:9'],
      ['compat.ignored-key', 2, '9:4-9:21'],
      ['template.implied-dependency', 3, '15:19-15:24'],
    ]);
    const actions = await lsp.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri: URI }, range: diags[1].range, context: { diagnostics: diags.slice(0, 2) } });
    assert.deepEqual(
      actions.map((a) => [a.title, a.isPreferred, a.edit!.changes![URI]]),
      [
        ['Indent the quoted value past its key', true, [{ range: { start: { line: 8, character: 0 }, end: { line: 8, character: 0 } }, newText: '  ' }]],
        ["Rewrite as 'on_failure: continue'", true, [{ range: { start: { line: 9, character: 4 }, end: { line: 9, character: 27 } }, newText: 'on_failure: continue' }]],
        ["Remove 'continue_on_error'", false, [{ range: { start: { line: 9, character: 0 }, end: { line: 10, character: 0 } }, newText: '' }]],
      ],
    );
  });

  it('after the repaired lines, definition and hover find what is under the cursor', async () => {
    // `fetch` in `{{ fetch.stdout }}` on line 15 leads to the step's id on line 2
    const def = await lsp.request<Location | Location[]>('textDocument/definition', { textDocument: { uri: URI }, position: { line: 15, character: 20 } });
    const defs = Array.isArray(def) ? def : [def];
    assert.deepEqual(defs.map((d) => `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`), ['2:8-2:13']);
    const hover = await lsp.request<Hover>('textDocument/hover', { textDocument: { uri: URI }, position: { line: 12, character: 14 } });
    assert.match(JSON.stringify(hover.contents), /Writes a text file/);
  });
});
