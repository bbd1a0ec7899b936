// Triggers in the editor: the language server over stdio on a workspace folder of pipeline files,
// as an editor drives it: a webhook name another pipeline under the folder declares is an error in
// both files (a closed file counts as saved on disk), and renaming one clears the other's.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { LspClient, SERVER } from '../helpers/lspClient';

const pos = (line: number, character: number) => ({ line, character });
const rangeText = (r: Diagnostic['range']) => `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
/** 'line:start-line:end' of `needle` on line `line` of `text`. */
function span(text: string, line: number, needle: string): string {
  const i = text.split('\n')[line].indexOf(needle);
  assert.ok(i >= 0, `'${needle}' not on line ${line}`);
  return `${line}:${i}-${line}:${i + needle.length}`;
}
const STEPS = ['steps:', '  - id: s', '    action: generate', '    parameters:', '      prompt: hi'];

const A = [
  'id: a', //                                  0
  'triggers:', //                              1
  '  - cron: "0 7 * * 1-5"', //                2
  '  - webhook: deploy', //                    3
  '  - webhook: audit', //                     4
  ...STEPS,
  '',
].join('\n');
const B = ['id: b', 'triggers:', '  - webhook: deploy', '    secret_env: HOOK_SECRET', ...STEPS, ''].join('\n');
/** Never opened: read from disk. */
const C = ['id: c', 'triggers: [{webhook: audit}]', ...STEPS, ''].join('\n');

describe('language server: triggers', function () {
  this.timeout(30_000);
  let dir: string;
  let lsp: LspClient;
  const uriOf = (name: string) => pathToFileURL(path.join(dir, name)).href;
  const diagnostics = (d: Diagnostic[]) => d.map((x) => [x.code, x.severity, x.message, rangeText(x.range)]);

  before(async () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-triggers-lsp-')));
    fs.mkdirSync(path.join(dir, 'hooks'));
    fs.writeFileSync(path.join(dir, 'a.pipeline.yaml'), A);
    fs.writeFileSync(path.join(dir, 'hooks', 'b.pipeline.yaml'), B);
    fs.writeFileSync(path.join(dir, 'c.pipeline.yaml'), C);
    lsp = new LspClient('stdio', process.execPath, [SERVER]);
    await lsp.connection.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(dir).href, workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'w' }], capabilities: { textDocument: { publishDiagnostics: { versionSupport: true } } } });
    await lsp.connection.sendNotification('initialized', {});
  });
  after(async () => {
    await lsp.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a webhook name another pipeline under the workspace folder declares is an error in both files', async () => {
    lsp.open(uriOf('a.pipeline.yaml'), A);
    lsp.open(uriOf('hooks/b.pipeline.yaml'), B);
    assert.deepEqual(diagnostics(await lsp.diagnosticsFor(uriOf('a.pipeline.yaml'), 1)), [
      ['trigger.duplicate-webhook', 1, `Webhook 'deploy' is declared by another pipeline served from the same root too (${path.join('hooks', 'b.pipeline.yaml')}): POST /hooks/deploy can start only one of them.`, span(A, 3, 'deploy')],
      ['trigger.duplicate-webhook', 1, "Webhook 'audit' is declared by another pipeline served from the same root too (c.pipeline.yaml): POST /hooks/audit can start only one of them.", span(A, 4, 'audit')],
    ]);
    assert.deepEqual(diagnostics(await lsp.diagnosticsFor(uriOf('hooks/b.pipeline.yaml'), 1)), [
      ['trigger.duplicate-webhook', 1, "Webhook 'deploy' is declared by another pipeline served from the same root too (a.pipeline.yaml): POST /hooks/deploy can start only one of them.", span(B, 2, 'deploy')],
    ]);
  });

  it("renaming one file's webhook clears the other's error", async () => {
    const b = uriOf('hooks/b.pipeline.yaml');
    const a = uriOf('a.pipeline.yaml');
    const seen = (await lsp.diagnosticsFor(a, 1)).length;
    // `deploy` → `ship` in b (unsaved): a is checked again against b's text in the editor
    const version = lsp.change(b, [{ range: { start: pos(2, 13), end: pos(2, 19) }, text: 'ship' }]);
    assert.deepEqual(diagnostics(await lsp.diagnosticsFor(b, version)), []);
    const again = await lsp.diagnosticsWhere(a, (p) => p.version === 1 && p.diagnostics.length !== seen, 'a publication without the clash');
    assert.deepEqual(diagnostics(again), [
      ['trigger.duplicate-webhook', 1, "Webhook 'audit' is declared by another pipeline served from the same root too (c.pipeline.yaml): POST /hooks/audit can start only one of them.", span(A, 4, 'audit')],
    ]);
  });
});
