// Triggers in the editor: the language server over stdio on a workspace folder of pipeline files,
// as an editor drives it: a webhook name another pipeline under the folder declares is an error in
// both files (a closed file counts as saved on disk), and renaming one clears the other's; the lens
// on each trigger, the hover on a cron expression (its next three times) and on a webhook, and the
// completion of an entry's keys, `overlap`'s values and `request` in a webhook's inputs. Times are
// computed here with croner from the expressions, never assumed from the clock.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeLens, CompletionItem, Diagnostic, Hover, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { Cron } from 'croner';
import { LspClient } from '../helpers/lspClient';

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
  /** Every publication for the document so far, in order (the client keeps them). */
  const history = (uri: string) => (lsp as unknown as { diagnostics: Map<string, PublishDiagnosticsParams[]> }).diagnostics.get(uri) ?? [];
  /** The first publication for the document after the `since` first ones that `match` accepts. */
  const publishedAfter = (uri: string, since: number, match: (p: PublishDiagnosticsParams) => boolean, what: string) => lsp.diagnosticsWhere(uri, (p) => history(uri).indexOf(p) >= since && match(p), what);

  before(async () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-triggers-lsp-')));
    fs.mkdirSync(path.join(dir, 'hooks'));
    fs.writeFileSync(path.join(dir, 'a.pipeline.yaml'), A);
    fs.writeFileSync(path.join(dir, 'hooks', 'b.pipeline.yaml'), B);
    fs.writeFileSync(path.join(dir, 'c.pipeline.yaml'), C);
    lsp = new LspClient('stdio');
    // the client implements serving the workspace (the triggers' lenses name it), and no other lens command
    const initializationOptions = { commands: ['orchestrator.serveWorkspace'] };
    await lsp.connection.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(dir).href, workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'w' }], initializationOptions, capabilities: { textDocument: { publishDiagnostics: { versionSupport: true } } } });
    await lsp.connection.sendNotification('initialized', {});
  });
  after(async () => {
    await lsp.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a webhook name another pipeline under the workspace folder declares is an error in both files', async () => {
    lsp.open(uriOf('a.pipeline.yaml'), A);
    lsp.open(uriOf('hooks/b.pipeline.yaml'), B);
    // the folder's saved files are read in the background after the first publication: then both are published again
    const settled = (uri: string, n: number) => lsp.diagnosticsWhere(uri, (p) => p.version === 1 && p.diagnostics.length === n, `${n} diagnostics`);
    assert.deepEqual(diagnostics(await settled(uriOf('a.pipeline.yaml'), 2)), [
      ['trigger.duplicate-webhook', 1, `Webhook 'deploy' is declared by another pipeline served from the same root too (${path.join('hooks', 'b.pipeline.yaml')}): POST /hooks/deploy can start only one of them.`, span(A, 3, 'deploy')],
      ['trigger.duplicate-webhook', 1, "Webhook 'audit' is declared by another pipeline served from the same root too (c.pipeline.yaml): POST /hooks/audit can start only one of them.", span(A, 4, 'audit')],
    ]);
    assert.deepEqual(diagnostics(await settled(uriOf('hooks/b.pipeline.yaml'), 1)), [
      ['trigger.duplicate-webhook', 1, "Webhook 'deploy' is declared by another pipeline served from the same root too (a.pipeline.yaml): POST /hooks/deploy can start only one of them.", span(B, 2, 'deploy')],
    ]);
  });

  it("renaming one file's webhook clears the other's error", async () => {
    const b = uriOf('hooks/b.pipeline.yaml');
    const a = uriOf('a.pipeline.yaml');
    const since = history(a).length;
    // `deploy` → `ship` in b (unsaved): a is checked again against b's text in the editor
    const version = lsp.change(b, [{ range: { start: pos(2, 13), end: pos(2, 19) }, text: 'ship' }]);
    assert.deepEqual(diagnostics(await lsp.diagnosticsFor(b, version)), []);
    const again = await publishedAfter(a, since, () => true, 'a publication after the rename');
    assert.deepEqual(diagnostics(again), [
      ['trigger.duplicate-webhook', 1, "Webhook 'audit' is declared by another pipeline served from the same root too (c.pipeline.yaml): POST /hooks/audit can start only one of them.", span(A, 4, 'audit')],
    ]);
  });

  it('a pipeline file created on disk with the same webhook name is an error in the open one', async () => {
    const b = uriOf('hooks/b.pipeline.yaml');
    const e = path.join(dir, 'e.pipeline.yaml');
    // b's webhook is `ship` in the editor (the test above)
    fs.writeFileSync(e, ['id: e', 'triggers:', '  - webhook: ship', ...STEPS, ''].join('\n'));
    let since = history(b).length;
    await lsp.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(e).href, type: 1 }] });
    const d = await publishedAfter(b, since, () => true, 'a publication after the file was created');
    assert.deepEqual(diagnostics(d), [
      ['trigger.duplicate-webhook', 1, "Webhook 'ship' is declared by another pipeline served from the same root too (e.pipeline.yaml): POST /hooks/ship can start only one of them.", '2:13-2:17'],
    ]);
    // deleted: the error goes
    fs.rmSync(e);
    since = history(b).length;
    await lsp.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(e).href, type: 3 }] });
    assert.deepEqual(await publishedAfter(b, since, () => true, 'a publication after the file was deleted'), []);
  });

  describe('lenses, hover and completion', () => {
    const D = [
      'id: d', //                                          0
      'parameters:', //                                    1
      '  ref: {type: string}', //                          2
      'triggers:', //                                      3
      '  - cron: "0 7 * * *"', //                          4
      '  - cron: "30 9 * * 1"', //                         5
      '    timezone: Europe/Berlin', //                    6
      '    overlap: queue', //                             7
      '  - webhook: deploy-d', //                          8
      '    secret_env: HOOK_SECRET', //                    9
      '    inputs: {ref: "{{ request.body.ref }}"}', //    10
      '  - webhook: open-d', //                            11
      '  - cron: "61 * * * *"', //                         12
      ...STEPS,
      '',
    ].join('\n');
    const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
    /** A time as the editor shows it in zone `tz`: `Mon 2026-01-05 09:30 Europe/Berlin`. */
    const shown = (d: Date, tz: string) => {
      const local = new Date(d.toLocaleString('en-US', { timeZone: tz })); // the wall clock there, read as local
      const two = (n: number) => String(n).padStart(2, '0');
      return `${DAYS[local.getDay()]} ${local.getFullYear()}-${two(local.getMonth() + 1)}-${two(local.getDate())} ${two(local.getHours())}:${two(local.getMinutes())} ${tz}`;
    };
    let uri: string;
    let version = 1;
    const withLine = async (line: number, text: string, fn: () => Promise<void>) => {
      version = lsp.change(uri, [{ range: { start: pos(line, 0), end: pos(line, 0) }, text: `${text}\n` }]);
      try {
        await fn();
      } finally {
        version = lsp.change(uri, [{ range: { start: pos(line, 0), end: pos(line + 1, 0) }, text: '' }]);
      }
    };
    const complete = async (line: number, character: number) => {
      const r = await lsp.request<CompletionItem[] | { items: CompletionItem[] }>('textDocument/completion', { textDocument: { uri }, position: pos(line, character) });
      return (Array.isArray(r) ? r : r.items).slice().sort((x, y) => (x.sortText ?? x.label).localeCompare(y.sortText ?? y.label)).map((i) => i.label);
    };
    const hover = async (line: number, character: number) => ((await lsp.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: pos(line, character) }))?.contents as { value: string } | undefined)?.value;

    before(async () => {
      uri = uriOf('d.pipeline.yaml');
      lsp.open(uri, D);
      await lsp.diagnosticsFor(uri, 1);
    });

    it('publishes the bad cron expression on its wrong field', async () => {
      assert.deepEqual(diagnostics(await lsp.diagnosticsFor(uri, 1)), [
        ['trigger.cron', 1, "Invalid cron expression: '61' is not a valid minute (it takes 0-59, ranges a-b, steps */n and lists a,b).", span(D, 12, '61')],
      ]);
    });

    it('shows one lens per trigger that can fire: its next time, or its webhook path', async () => {
      const before = new Date();
      const lenses = await lsp.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
      // a weekly schedule shows its day when its next time is more than a day away
      const monday = new Cron('30 9 * * 1', { timezone: 'Europe/Berlin' }).nextRun(before)!;
      const mondayTitle = monday.getTime() - before.getTime() >= 24 * 3600_000 ? `cron: next ${shown(monday, 'Europe/Berlin')}` : 'cron: next 09:30 Europe/Berlin';
      assert.deepEqual(
        lenses.map((l) => [l.command!.title, l.command!.command, rangeText(l.range)]),
        [
          ['cron: next 07:00 UTC', 'orchestrator.serveWorkspace', span(D, 4, 'cron')],
          [mondayTitle, 'orchestrator.serveWorkspace', span(D, 5, 'cron')],
          ['webhook: /hooks/deploy-d', 'orchestrator.serveWorkspace', span(D, 8, 'webhook')],
          ['webhook: /hooks/open-d', 'orchestrator.serveWorkspace', span(D, 11, 'webhook')],
        ],
      );
    });

    it('hovers a cron expression with its next three times in its zone, and a webhook with its request and signature', async () => {
      const from = new Date();
      const daily = new Cron('0 7 * * *', { timezone: 'UTC' }).nextRuns(3, from);
      assert.equal(
        await hover(4, 12),
        [
          '**cron trigger** `0 7 * * *` (UTC)',
          '',
          'Next 3 times:',
          ...daily.map((d) => `- ${shown(d, 'UTC')}`),
          '',
          '`overlap: skip`: a time that comes while the last run it started still runs is skipped.',
        ].join('\n'),
      );
      const weekly = new Cron('30 9 * * 1', { timezone: 'Europe/Berlin' }).nextRuns(3, from);
      assert.deepEqual((await hover(5, 12))!.split('\n'), [
        '**cron trigger** `30 9 * * 1` (Europe/Berlin)',
        '',
        'Next 3 times:',
        ...weekly.map((d) => `- ${shown(d, 'Europe/Berlin')}`),
        '',
        '`overlap: queue`: a time that comes while the last run it started still runs starts its run when that one ends.',
      ]);
      assert.equal(
        await hover(8, 15),
        '**webhook trigger** `POST /hooks/deploy-d`\n\nSigned: a request must carry `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of its raw body with the secret in `$HOOK_SECRET` (as GitHub signs); one with a bad or missing signature is refused (401) and starts nothing.\n\nIts `inputs` read `request.body`, `request.headers` and `request.query`.',
      );
      assert.equal(
        await hover(11, 15),
        '**webhook trigger** `POST /hooks/open-d`\n\nUnsigned: no `secret_env`, so any request that reaches the server (with its token) starts a run.\n\nIts `inputs` read `request.body`, `request.headers` and `request.query`.',
      );
    });

    it("completes a new entry's keys (the kinds first), an entry's own kind's keys, and overlap's values", async () => {
      await withLine(12, '  - ', async () => assert.deepEqual(await complete(12, 4), ['cron', 'webhook', 'inputs', 'overlap', 'secret_env', 'timezone']));
      await withLine(5, '    ', async () => assert.deepEqual(await complete(5, 4), ['inputs', 'overlap', 'timezone']));
      await withLine(12, '    ', async () => assert.deepEqual(await complete(12, 4), ['inputs', 'secret_env']));
      await withLine(10, '    ', async () => assert.deepEqual(await complete(10, 4), []));
      await withLine(5, '    overlap: ', async () => assert.deepEqual((await complete(5, 13)).sort(), ['allow', 'queue', 'skip']));
    });

    it("completes request and its fields in a webhook's inputs", async () => {
      const line = D.split('\n')[10];
      assert.deepEqual(await complete(10, line.indexOf('request.') + 'request.'.length), ['body', 'headers', 'query']);
      assert.deepEqual(await complete(10, line.indexOf('request')), ['request']);
    });
  });
});
