// Eval files (`*.eval.yaml`, language `orchestrator-eval`) in the real language server over stdio:
// exact diagnostics with ranges for a broken eval, completion of keys, assertion kinds, outputs,
// steps and `case.` columns, hover, and the Run Eval / Estimate / Optimize Models… / Run Variant lenses.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CompletionItem, Diagnostic, Hover } from 'vscode-languageserver-protocol';
import { LspClient } from '../helpers/lspClient';
import { ROOT } from '../helpers/cli';

const BROKEN = [
  'pipeline: hello.pipeline.yaml', //         0
  'cases:', //                                1
  '  - id: ada', //                           2
  '    name: Ada', //                         3
  '    expected: Hello, Ada!', //             4
  'variants:', //                             5
  '  - name: plain', //                       6
  '    parameters: { out_dirr: ./out }', //   7
  'assert:', //                               8
  '  - output: greting', //                   9
  '    contains: "{{ case.expected }}"', //   10
  '  - output: greeting', //                  11
  '    equals: "{{ case.nam }}"', //          12
  '  - output: greeting', //                  13
  '    contain: x', //                        14
  'threshold: 2', //                          15
  '',
].join('\n');

const rangeText = (r: Diagnostic['range']) => `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
const labels = (items: CompletionItem[] | { items: CompletionItem[] } | null) => (items ? (Array.isArray(items) ? items : items.items) : []).map((i) => i.label).sort();

describe('language server: eval files', function () {
  this.timeout(30_000);
  let lsp: LspClient;
  let dir: string;
  let uri: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-eval-lsp-'));
    fs.copyFileSync(path.join(ROOT, 'examples', 'hello.pipeline.yaml'), path.join(dir, 'hello.pipeline.yaml'));
    fs.writeFileSync(path.join(dir, 'broken.eval.yaml'), BROKEN);
    uri = pathToFileURL(path.join(dir, 'broken.eval.yaml')).href;
    lsp = new LspClient('stdio');
    await lsp.initialize({ commands: ['orchestrator.runEval', 'orchestrator.estimateEval', 'orchestrator.optimizeModels', 'orchestrator.improvePrompts'] });
    lsp.open(uri, BROKEN, 'orchestrator-eval');
  });
  after(async () => {
    await lsp.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('publishes the eval analysis as diagnostics, each on its exact range', async () => {
    const d = await lsp.diagnosticsFor(uri, 1);
    assert.deepEqual(
      d.map((x) => [x.code, x.severity, rangeText(x.range), x.message]),
      [
        ['eval.unknown-parameter', 1, '7:18-7:26', "The pipeline has no parameter 'out_dirr'. Did you mean 'out_dir'?"],
        ['eval.unknown-output', 1, '9:12-9:19', "The pipeline has no output 'greting'. Did you mean 'greeting'? Its outputs: greeting."],
        ['eval.unknown-column', 2, '12:21-12:24', "No case has a column 'nam'. Did you mean 'name'?"],
        ['eval.unknown-key', 1, '14:4-14:11', "Unknown key 'contain' in an assertion. Did you mean 'contains' or 'icontains'?"],
        ['eval.type', 1, '15:11-15:12', "'threshold' must be a number from 0 to 1."],
      ],
    );
    assert.equal(d[0].source, 'orchestrator');
  });

  it('a fix clears its diagnostic in the next version', async () => {
    const v = lsp.change(uri, [{ range: { start: { line: 9, character: 12 }, end: { line: 9, character: 19 } }, text: 'greeting' }]);
    const d = await lsp.diagnosticsFor(uri, v);
    assert.deepEqual(d.map((x) => x.code), ['eval.unknown-parameter', 'eval.unknown-column', 'eval.unknown-key', 'eval.type']);
    const back = lsp.change(uri, [{ range: { start: { line: 9, character: 12 }, end: { line: 9, character: 20 } }, text: 'greting' }]);
    assert.equal((await lsp.diagnosticsFor(uri, back)).length, 5);
  });

  it('completes the assertion kinds and options in an assertion, and the top-level keys at the left margin', async () => {
    // line 14 is `    contain: x`: a key being typed at column 4 inside the third assertion
    const v = lsp.change(uri, [{ range: { start: { line: 14, character: 4 }, end: { line: 14, character: 14 } }, text: 'con' }]);
    await lsp.diagnosticsFor(uri, v);
    const inAssertion = labels(await lsp.request('textDocument/completion', { textDocument: { uri }, position: { line: 14, character: 7 } }));
    assert.deepEqual(inAssertion, ['args', 'contains', 'description', 'equals', 'expression', 'guardrail_not_tripped', 'guardrail_tripped', 'handoff_to', 'icontains', 'is_json', 'json_schema', 'llm_rubric', 'max_cost_usd', 'max_latency_ms', 'max_length', 'max_tool_calls', 'max_turns', 'min_length', 'model', 'not_contains', 'numeric', 'output', 'regex', 'similar', 'status', 'step', 'threshold', 'tolerance', 'tool_called', 'tool_not_called', 'tool_sequence']);
    const top = labels(await lsp.request('textDocument/completion', { textDocument: { uri }, position: { line: 16, character: 0 } }));
    assert.deepEqual(top, ['assert', 'cases', 'description', 'embedding', 'judge', 'max_parallel', 'pipeline', 'repeat', 'threshold', 'variants']);
    const back = lsp.change(uri, [{ range: { start: { line: 14, character: 4 }, end: { line: 14, character: 7 } }, text: 'contain: x' }]);
    await lsp.diagnosticsFor(uri, back);
  });

  it("completes the pipeline's outputs after output:, its steps after step:, a case's columns after case., its parameters in a case", async () => {
    const at = (line: number, character: number) => lsp.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: { line, character } });
    assert.deepEqual(labels(await at(9, 12)), ['greeting']);
    // `    equals: "{{ case.` (line 12, up to the dot)
    assert.deepEqual(labels(await at(12, 21)), ['expected', 'id', 'name', 'out_dir']);
    assert.deepEqual(labels(await at(12, 17)), ['case', 'outputs', 'run', 'steps', 'value']);
    // a new key in the case `ada` (line 5 typed as `    `): the pipeline's parameters and the case's own keys
    const v = lsp.change(uri, [{ range: { start: { line: 5, character: 0 }, end: { line: 5, character: 0 } }, text: '    \n' }]);
    await lsp.diagnosticsFor(uri, v);
    assert.deepEqual(labels(await at(5, 4)), ['assert', 'id', 'name', 'out_dir', 'skip']);
    const w = lsp.change(uri, [{ range: { start: { line: 5, character: 0 }, end: { line: 6, character: 0 } }, text: '' }]);
    await lsp.diagnosticsFor(uri, w);
    // `step:` in a new assertion
    const s = lsp.change(uri, [{ range: { start: { line: 16, character: 0 }, end: { line: 16, character: 0 } }, text: 'assert2:\n  - step: \n' }]);
    await lsp.diagnosticsFor(uri, s);
    assert.deepEqual(labels(await at(17, 10)), ['read_greeting', 'write_greeting']);
    const t = lsp.change(uri, [{ range: { start: { line: 16, character: 0 }, end: { line: 18, character: 0 } }, text: '' }]);
    await lsp.diagnosticsFor(uri, t);
  });

  it('hovers a key with its meaning, and pipeline: with the pipeline it names', async () => {
    const h = await lsp.request<Hover>('textDocument/hover', { textDocument: { uri }, position: { line: 10, character: 6 } });
    assert.deepEqual(h.contents, { kind: 'markdown', value: '**`contains`** — The value contains this text.' });
    const p = await lsp.request<Hover>('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 14 } });
    assert.equal((p.contents as { value: string }).value, '**pipeline `hello`** — Hello\n\nWrites a greeting to a file, reads it back and declares it as an output.\n\n- parameters: `name`, `out_dir`\n- outputs: `greeting`');
  });

  it('puts Run Eval, Estimate, Optimize Models… and Improve Prompts… on the first line and Run Variant on each variant', async () => {
    const fixed = BROKEN.replace('greting', 'greeting').replace('nam }}', 'name }}').replace('contain: x', 'contains: x').replace('threshold: 2', 'threshold: 0.5').replace('out_dirr', 'out_dir');
    const good = pathToFileURL(path.join(dir, 'good.eval.yaml')).href;
    lsp.open(good, fixed, 'orchestrator-eval');
    assert.deepEqual(await lsp.diagnosticsFor(good, 1), []);
    const lenses = await lsp.request<{ range: Diagnostic['range']; command: { title: string; command: string; arguments: unknown[] } }[]>('textDocument/codeLens', { textDocument: { uri: good } });
    assert.deepEqual(
      lenses.map((l) => [rangeText(l.range), l.command.title, l.command.command, l.command.arguments]),
      [
        ['0:0-0:0', '▶ Run Eval', 'orchestrator.runEval', [good]],
        ['0:0-0:0', 'Estimate', 'orchestrator.estimateEval', [good]],
        ['0:0-0:0', 'Optimize Models…', 'orchestrator.optimizeModels', [good]],
        ['0:0-0:0', 'Improve Prompts…', 'orchestrator.improvePrompts', [good]],
        ['6:4-6:8', '▶ Run Variant plain', 'orchestrator.runEval', [good, { variant: 'plain' }]],
      ],
    );
  });
});
