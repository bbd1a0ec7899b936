// Hardening, round two (issue 24, item 13): a document with thousands of findings blocked the
// language server for seconds (the findings' suggestions grew quadratically) and every one was
// published. Now the first MAX_PUBLISHED_DIAGNOSTICS are published and one more diagnostic, on the
// first finding left out, says how many more there are; the server answers other requests meanwhile.
import { strict as assert } from 'node:assert';
import type { DocumentSymbol } from 'vscode-languageserver-protocol';
import { LspClient } from '../helpers/lspClient';
import { MAX_PUBLISHED_DIAGNOSTICS } from '../../server/diagnostics';

const URI = 'file:///work/many.pipeline.yaml';

describe('hardening 2: a document with thousands of findings', function () {
  this.timeout(60_000);
  let client: LspClient;
  beforeEach(async () => {
    client = new LspClient('stdio');
    await client.initialize();
  });
  afterEach(() => client.stop());

  it('4,000 unknown names: the first 1,000 are published, then one diagnostic saying 3,000 more, and symbols still answer', async () => {
    const n = 4000;
    const lines = ['id: many', 'steps:'];
    for (let i = 0; i < n; i++) lines.push(`  - id: s${i}`, '    tool: terminal', '    action: execute', '    parameters:', `      command: "echo {{ u${i} }}"`);
    client.open(URI, lines.join('\n') + '\n');
    const symbols = client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: URI } });
    const diags = await client.diagnosticsFor(URI, 1);
    assert.equal(MAX_PUBLISHED_DIAGNOSTICS, 1000);
    assert.equal(diags.length, 1001);
    assert.deepEqual(diags.slice(0, 1000).map((d) => d.code), Array(1000).fill('template.unknown-name'));
    assert.equal(diags[999].message, "Unknown name 'u999' in template: not a parameter, a step or a loop variable. Did you mean 's999'?");
    const line = 2 + 1000 * 5 + 4;
    assert.deepEqual(diags[1000], {
      range: { start: { line, character: 24 }, end: { line, character: 29 } },
      severity: 1,
      code: 'diagnostics.more',
      source: 'orchestrator',
      message: '3,000 more findings from here on are not shown (4,000 in all; the first 1,000 are). `orc validate` lists them all.',
    });
    const top = (await symbols).find((s) => s.name === 'steps') ?? (await symbols)[0];
    assert.ok(JSON.stringify(top).includes('"s3999"'), 'the outline lists the last step');
  });

  it('a document with exactly 1,000 findings gets them all and no summary', async () => {
    const lines = ['id: many', 'steps:'];
    for (let i = 0; i < 1000; i++) lines.push(`  - id: s${i}`, '    tool: terminal', '    action: execute', '    parameters:', `      command: "echo {{ u${i} }}"`);
    client.open(URI, lines.join('\n') + '\n');
    const diags = await client.diagnosticsFor(URI, 1);
    assert.equal(diags.length, 1000);
    assert.ok(diags.every((d) => d.code === 'template.unknown-name'));
  });
});
