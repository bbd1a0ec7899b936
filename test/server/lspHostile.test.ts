// Holes found from outside in the language server (issue 9): a late didChange with an older
// version was applied over the newer text, and deeply nested templates overflowed the stack so the
// document got no diagnostics at all.
import { strict as assert } from 'node:assert';
import type { DocumentSymbol } from 'vscode-languageserver-protocol';
import { LspClient } from '../helpers/lspClient';

const URI = 'file:///work/stale.pipeline.yaml';
const doc = (id: string, tool = 'terminal') => `id: p\nsteps:\n  - id: ${id}\n    tool: ${tool}\n    action: execute\n    parameters:\n      command: echo\n`;

describe('hardening: language server', function () {
  this.timeout(30_000);
  let client: LspClient;
  beforeEach(async () => {
    client = new LspClient('stdio');
    await client.initialize();
  });
  afterEach(() => client.stop());

  it('ignores a didChange whose version is older than the document: its text is not applied, nothing is published for it', async () => {
    client.open(URI, doc('one'));
    await client.diagnosticsFor(URI, 1);
    // version 3 arrives first (an unknown tool: one error), then a late version 2 (valid)
    await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: URI, version: 3 }, contentChanges: [{ text: doc('three', 'nosuchtool') }] });
    await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: URI, version: 2 }, contentChanges: [{ text: doc('two') }] });
    const d3 = await client.diagnosticsFor(URI, 3);
    assert.deepEqual(d3.map((d) => d.code), ['tool.unknown']);
    const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: URI } });
    const names = JSON.stringify(symbols);
    assert.ok(names.includes('three') && !names.includes('two'), `the document holds version 3's text: ${names}`);
    // give a stale publish time to arrive: none may
    await new Promise((r) => setTimeout(r, 300));
    await assert.rejects(client.diagnosticsFor(URI, 2, 100), /no diagnostics/);
  });

  for (const [what, template] of [
    ['10,000 terms of 1 + 1 + ...', `{{ ${Array(10_000).fill('1').join(' + ')} }}`],
    ['5,000 | upper filters', `{{ 'x'${' | upper'.repeat(5000)} }}`],
  ] as const) {
    it(`a template of ${what} gets a syntax diagnostic on its expression, and the other features still answer`, async () => {
      const text = `id: deep\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters:\n      command: "echo ${template}"\n`;
      client.open(URI, text);
      const diags = await client.diagnosticsFor(URI, 1);
      assert.deepEqual(
        diags.map((d) => [d.code, d.message, d.range.start.line, d.range.start.character]),
        [['template.syntax', 'Template syntax error: Expression nested deeper than 500 levels: split it with {% set %}.', 6, text.split('\n')[6].indexOf('{{') + 3]],
      );
      const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: URI } });
      assert.ok(JSON.stringify(symbols).includes('"a"'), 'document symbols still list the step');
    });
  }

  it('5,000 nested {% if %} blocks get a syntax diagnostic at the block past the limit', async () => {
    const template = '{% if true %}'.repeat(5000) + 'x' + '{% endif %}'.repeat(5000);
    const text = `id: deep\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters:\n      command: "echo ${template}"\n`;
    client.open(URI, text);
    const diags = await client.diagnosticsFor(URI, 1);
    const at = text.split('\n')[6].indexOf('{%') + 100 * '{% if true %}'.length;
    assert.deepEqual(diags.map((d) => [d.code, d.message, d.range.start.line, d.range.start.character]), [['template.syntax', 'Template syntax error: Blocks nested deeper than 100 levels.', 6, at]]);
  });
});
