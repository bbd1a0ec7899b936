// Monitors in the editor: the language server over stdio, as an editor drives it, on a pipeline with
// `monitors:`: the findings published with their exact ranges, the hover on `monitors:`, on a
// monitor's name (what it does, defaults filled in), on `sample` and on an assertion's type; and the
// completion of a monitor's keys, a new monitor, an assertion's keys and `type`'s values.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeAction, CompletionItem, Diagnostic, Hover } from 'vscode-languageserver-protocol';
import { LspClient } from '../helpers/lspClient';

const pos = (line: number, character: number) => ({ line, character });
const rangeText = (r: Diagnostic['range']) => `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
function span(text: string, line: number, needle: string): string {
  const i = text.split('\n')[line].indexOf(needle);
  assert.ok(i >= 0, `'${needle}' not on line ${line}`);
  return `${line}:${i}-${line}:${i + needle.length}`;
}
const STEPS = ['steps:', '  - id: s', '    action: generate', '    parameters:', '      prompt: hi'];

const M = [
  'id: support', //                                                                   0
  'monitors:', //                                                                     1
  '  - name: grounded', //                                                            2
  '    sample: 0.25', //                                                              3
  '    assert:', //                                                                   4
  '      - type: llm_rubric', //                                                      5
  '        value: "cites the order number"', //                                       6
  '        model: "openai:gpt-4o-mini"', //                                           7
  '      - type: not-contain', //                                                     8
  '        value: "I cannot"', //                                                     9
  '    min_checks: 60', //                                                            10
  '    alert_below: 0.9', //                                                          11
  '    notify: {webhook: "https://ops.example/hooks/orc"}', //                        12
  '    budget: {max_cost_usd: 1}', //                                                 13
  ...STEPS,
  '',
].join('\n');

describe('language server: monitors', function () {
  this.timeout(30_000);
  let dir: string;
  let lsp: LspClient;
  let uri: string;
  let version = 1;
  const diagnostics = (d: Diagnostic[]) => d.map((x) => [x.code, x.severity, x.message, rangeText(x.range)]);
  const withLine = async (line: number, text: string, fn: () => Promise<void>) => {
    version = lsp.change(uri, [{ range: { start: pos(line, 0), end: pos(line, 0) }, text: `${text}\n` }]);
    try {
      await fn();
    } finally {
      version = lsp.change(uri, [{ range: { start: pos(line, 0), end: pos(line + 1, 0) }, text: '' }]);
    }
  };
  const completion = async (line: number, character: number) => {
    const r = await lsp.request<CompletionItem[] | { items: CompletionItem[] }>('textDocument/completion', { textDocument: { uri }, position: pos(line, character) });
    return (Array.isArray(r) ? r : r.items).slice().sort((x, y) => (x.sortText ?? x.label).localeCompare(y.sortText ?? y.label));
  };
  const complete = async (line: number, character: number) => (await completion(line, character)).map((i) => i.label);
  const hover = async (line: number, character: number) => ((await lsp.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: pos(line, character) }))?.contents as { value: string } | undefined)?.value;

  before(async () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-monitors-lsp-')));
    uri = pathToFileURL(path.join(dir, 'support.pipeline.yaml')).href;
    fs.writeFileSync(path.join(dir, 'support.pipeline.yaml'), M);
    lsp = new LspClient('stdio');
    await lsp.initialize();
    lsp.open(uri, M);
  });
  after(async () => {
    await lsp.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('publishes each mistake of a monitor on the characters it is about', async () => {
    assert.deepEqual(diagnostics(await lsp.diagnosticsFor(uri, 1)), [
      ['monitor.assertion-type', 1, "Unknown assertion type 'not-contain'. Did you mean 'not-contains'?", span(M, 8, 'not-contain')],
      ['monitor.window', 1, "The window holds the last 50 checks (its default) but 'min_checks' asks for 60 before it may alert: it would never alert. Make 'window' at least 'min_checks'.", span(M, 10, '60')],
      ['monitor.notify-secret', 1, "Alerts must be signed: name the environment variable holding the secret with 'secret_env' (each alert carries X-Orchestrator-Signature: sha256=<HMAC of its body>).", span(M, 12, 'notify')],
    ]);
  });

  it("offers the nearest assertion type as the quick fix of an unknown one", async () => {
    const d = (await lsp.diagnosticsFor(uri, 1)).find((x) => x.code === 'monitor.assertion-type')!;
    const actions = await lsp.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
    assert.deepEqual(
      actions.map((x) => [x.title, x.isPreferred, x.edit?.changes?.[uri]]),
      [["Change to 'not-contains'", true, [{ range: d.range, newText: 'not-contains' }]]],
    );
  });

  it('hovers monitors:, a monitor by its name, sample and an assertion type', async () => {
    assert.equal(
      await hover(1, 3),
      "**`monitors`** — Checks on the runs `orc serve` serves (and on `orc run --monitor`), made after each run's result is returned, so they never delay or fail it: each monitor samples runs, checks them with the eval's assertions, keeps a window of the last checks and alerts (GET /events, a signed webhook) when the window's pass rate falls below `alert_below`. Checks are written to `.orchestrator/monitors/NAME.jsonl`; a failed run goes to the review queue labelled `monitor:NAME`.",
    );
    assert.deepEqual((await hover(2, 12))!.split('\n'), [
      '**monitor `grounded`**',
      '',
      '- checks 25% of runs, each after its result is returned, with 2 assertions: `llm_rubric`, `not-contain`',
      '- alerts when the pass rate of the last 50 checks falls below 90% (once it holds 60 checks), once per crossing, on `GET /events`',
      '- POSTs each alert to `https://ops.example/hooks/orc`, unsigned (name `secret_env`)',
      '- its judges may spend $1.00 per UTC day',
      '- writes its checks to `.orchestrator/monitors/grounded.jsonl`; a failed run goes to the review queue labelled `monitor:grounded`',
    ]);
    assert.equal(await hover(3, 13), "**`sample: 0.25`** — checks 25% of runs (about 1 in 4). Which runs is decided by a hash of the run id and the monitor's name, so the same run is always checked or always not.");
    assert.equal(await hover(3, 6), '**`sample`** — The share of runs checked, 0 to 1 (default 1: every run). Which runs is seeded by the run id, so a check can be reproduced.');
    assert.equal(await hover(10, 6), '**`min_checks`** — How many checks the window needs before it can alert: at most `window` (default 10, or the whole window when it holds fewer).');
    assert.equal(await hover(5, 16), '**assertion `llm_rubric`** — A judge model scores the value 0–1 against this rubric; it passes at `threshold` (default 0.5).\n\n`value`: a text (a template).');
    // the eval file's form of an assertion: its kind's words on the key
    await withLine(10, '      - {max_length: 400}', async () => {
      assert.equal(await hover(10, 11), '**assertion `max_length`** — The value has at most this many characters.\n\n`value`: a whole number of at least 0.');
    });
    // a monitor's budget is its own: not the run's worst case
    assert.equal(
      await hover(13, 6),
      "**`budget`** — What the monitor's own model calls (`llm_rubric` judges) may spend per UTC day: `{max_cost_usd, max_tokens}`. Once spent, its checks that need a judge are `error` until the next day.",
    );
  });

  it("completes a monitor's keys, a new monitor (with a skeleton), an assertion's keys and type's values", async () => {
    await withLine(14, '    ', async () => assert.deepEqual(await complete(14, 4), ['window']));
    await withLine(14, '  - ', async () => assert.deepEqual(await complete(14, 4), ['assert', 'name', 'alert_below', 'budget', 'min_checks', 'notify', 'sample', 'window', 'monitor']));
    // in an assertion with `type`: the options, not the eval form's kinds
    await withLine(10, '        ', async () => assert.deepEqual(await complete(10, 8), ['args', 'description', 'model', 'output', 'step', 'threshold', 'tolerance']));
    // a new assertion: type and value first, the eval form's kinds last
    await withLine(10, '      - ', async () => {
      const labels = await complete(10, 8);
      assert.deepEqual(labels.slice(0, 9), ['type', 'value', 'args', 'description', 'model', 'output', 'step', 'threshold', 'tolerance']);
      assert.equal(labels.length, 9 + 24);
    });
    await withLine(10, '      - type: ', async () => {
      const items = await completion(10, 14);
      assert.deepEqual(items.slice(0, 3).map((i) => [i.label, i.detail]), [
        ['equals', 'value: any value (the output must equal it)'],
        ['contains', 'value: a text (a template)'],
        ['icontains', 'value: a text (a template)'],
      ]);
      assert.deepEqual(items.find((i) => i.label === 'is_json')?.detail, 'value: none needed');
      assert.equal(items.length, 24);
    });
  });
});
