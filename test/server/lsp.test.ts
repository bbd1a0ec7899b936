// The language server driven as an editor drives it (over stdio, and over node IPC): exact
// diagnostics with ranges, completions at given positions, hover markdown, definitions, rename
// edits, symbols, tokens, quick fixes, formatting; and the fuzz corpus through every handler.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CodeAction, CompletionItem, Diagnostic, DocumentSymbol, Hover, Location, SemanticTokens, TextEdit, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { hostileDocuments, mutatedDocuments } from '../helpers/fuzzCorpus';
import { LspClient } from '../helpers/lspClient';
import { MAX_PUBLISHED_DIAGNOSTICS } from '../../server/diagnostics';

const URI = 'file:///work/demo.pipeline.yaml';
const DOC = [
  'id: demo', //                                         0
  'parameters:', //                                      1
  '  topic: {type: string, default: AI}', //             2
  'steps:', //                                           3
  '  - id: fetch', //                                    4
  '    tool: filesystem', //                             5
  '    action: read', //                                 6
  '    parameters:', //                                  7
  '      path: notes.txt', //                            8
  '  - id: write-up', //                                 9
  '    action: generate', //                             10
  '    dependencies: [fetch]', //                        11
  '    parameters:', //                                  12
  '      prompt: "About {{ topic }}: {{ fetch.result.content }}"', // 13
  '  - id: save', //                                     14
  '    tool: filesystem', //                             15
  '    action: write', //                                16
  "    dependecies: [write-up]", //                      17
  '    parameters:', //                                  18
  '      path: out.md', //                               19
  "      content: \"{{ steps['write-up'].result }}\"", // 20
  'outputs:', //                                         21
  "  saved: \"{{ save.result.path }}\"", //              22
  '',
].join('\n');

const pos = (line: number, character: number) => ({ line, character });
const LINES = DOC.split('\n');
/** The column where `needle` starts on a line of DOC (its `nth` occurrence). */
const col = (line: number, needle: string, nth = 0) => {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = LINES[line].indexOf(needle, i + 1);
  assert.ok(i >= 0, `'${needle}' not on line ${line}`);
  return i;
};
/** 'line:start-line:end' of `needle` on a line. */
const span = (line: number, needle: string, nth = 0) => `${line}:${col(line, needle, nth)}-${line}:${col(line, needle, nth) + needle.length}`;
const rangeText = (r: { start: { line: number; character: number }; end: { line: number; character: number } }) => `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
/** Labels in the order an editor shows them: by sortText, then label. */
const labels = (items: CompletionItem[] | { items: CompletionItem[] }) =>
  [...(Array.isArray(items) ? items : items.items)].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label) || a.label.localeCompare(b.label)).map((i) => i.label);

describe('language server over stdio', function () {
  this.timeout(30_000);
  let lsp: LspClient;
  before(async () => {
    lsp = new LspClient('stdio');
    const init = await lsp.initialize({ commands: ['orchestrator.run', 'orchestrator.debug', 'orchestrator.showGraph', 'orchestrator.runFromHere'] });
    assert.equal((init.serverInfo as { name: string }).name, 'orchestrator-language-server');
    lsp.open(URI, DOC);
  });
  after(() => lsp.stop());

  it('publishes diagnostics on open, with exact ranges and codes', async () => {
    const d = await lsp.diagnosticsFor(URI, 1);
    assert.deepEqual(
      d.map((x) => [x.code, x.severity, x.message, rangeText(x.range)]),
      [
        ['schema.unknown-key', 1, "Unknown key 'dependecies' in a step. Did you mean 'dependencies'?", span(17, 'dependecies')],
        ['template.implied-dependency', 3, "'save' refers to 'write-up', which is not among its dependencies: it will wait for 'write-up'.", span(20, 'write-up')],
      ],
    );
    assert.equal(d[0].source, 'orchestrator');
  });

  it('an incremental edit that fixes the key updates the diagnostics of that version', async () => {
    const v = lsp.change(URI, [{ range: { start: pos(17, 4), end: pos(17, 15) }, text: 'dependencies' }]);
    const d = await lsp.diagnosticsFor(URI, v);
    assert.deepEqual(d, []);
    // and back, so the other tests see the original text
    const v2 = lsp.change(URI, [{ range: { start: pos(17, 4), end: pos(17, 16) }, text: 'dependecies' }]);
    assert.equal((await lsp.diagnosticsFor(URI, v2)).length, 2);
  });

  it('completes the keys of a step, without the ones it already has', async () => {
    const v = lsp.change(URI, [{ range: { start: pos(11, 0), end: pos(11, 0) }, text: '    tim\n' }]);
    const items = await lsp.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: URI }, position: pos(11, 7) });
    const l = labels(items);
    assert.ok(l.includes('timeout') && l.includes('on_failure') && l.includes('for_each'), l.join(','));
    assert.ok(!l.includes('action') && !l.includes('id'), 'offers keys the step already has');
    const timeout = items.find((i) => i.label === 'timeout')!;
    assert.equal((timeout.documentation as { value: string }).value, 'Seconds per attempt; the attempt is cancelled and its process killed.');
    lsp.change(URI, [{ range: { start: pos(11, 0), end: pos(12, 0) }, text: '' }]);
    void v;
  });

  it('completes step ids in dependencies, tools, and the actions of the step\'s tool', async () => {
    assert.deepEqual(labels(await lsp.request('textDocument/completion', { textDocument: { uri: URI }, position: pos(11, 21) })), ['save']);
    const tools = labels(await lsp.request('textDocument/completion', { textDocument: { uri: URI }, position: pos(15, 10) }));
    assert.deepEqual(tools, ['approval-gate', 'data', 'data-processing', 'feedback-collection', 'filesystem', 'headless-browser', 'http', 'image-analysis', 'image-generation', 'mcp-memory', 'mcp-server', 'multi-model-routing', 'object-storage', 'pdf-compiler', 'pipeline', 'pipeline-executor', 'prompt-optimization', 'python-executor', 'report-generator', 'sql', 'task-delegation', 'terminal', 'user-prompt', 'validation', 'visualization', 'web-search']);
    const actions = labels(await lsp.request('textDocument/completion', { textDocument: { uri: URI }, position: pos(16, 12) }));
    assert.deepEqual(actions, ['append', 'copy', 'delete', 'exists', 'list', 'move', 'read', 'write']);
  });

  it("a parameter's item in a template names it; its type and description come when the editor shows it (completionItem/resolve)", async () => {
    const uri = 'file:///work/resolve.pipeline.yaml';
    const text = ['id: r', 'parameters:', '  topic: {type: string, description: "What to *write* about"}', '  count: {type: integer, default: 3}', 'steps:', '  - id: a', '    action: generate', '    parameters:', '      prompt: "{{ t"', ''].join('\n');
    lsp.open(uri, text);
    await lsp.diagnosticsFor(uri, 1);
    const items = await lsp.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: pos(8, 19) });
    const topic = items.find((i) => i.label === 'topic')!;
    const count = items.find((i) => i.label === 'count')!;
    // an answer of 60,000 parameters is 60,000 of these: no more in each than the list needs
    assert.deepEqual(topic, { label: 'topic', kind: 6, sortText: '0' });
    // the parameters first, by name (the editor orders one sortText by label), then the rest
    assert.deepEqual(labels(items).slice(0, 2), ['count', 'topic']);
    assert.deepEqual(await lsp.request('completionItem/resolve', topic), { label: 'topic', kind: 6, sortText: '0', detail: 'parameter: string', documentation: { kind: 'markdown', value: 'What to *write* about' } });
    assert.deepEqual(await lsp.request('completionItem/resolve', count), { label: 'count', kind: 6, sortText: '0', detail: 'parameter: integer' });
    // the other items are whole already, and come back as they went
    const global = items.find((i) => i.label === 'execution')!;
    assert.deepEqual(await lsp.request('completionItem/resolve', global), global);
    void lsp.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  });

  it('completes inside templates: names in scope, a step\'s fields, result fields, filters', async () => {
    const names = labels(await lsp.request('textDocument/completion', { textDocument: { uri: URI }, position: pos(13, col(13, 'topic')) }));
    assert.ok(names.includes('topic') && names.includes('fetch') && names.includes("steps['write-up']") === false, names.join(','));
    assert.ok(names.includes('execution') && names.includes('inputs'));
    const fields = labels(await lsp.request('textDocument/completion', { textDocument: { uri: URI }, position: pos(13, col(13, 'result')) }));
    // then the action's result fields, which read as the step's own (`fetch.content`), then the other step fields
    assert.deepEqual(fields.slice(0, 5), ['result', 'vars', 'content', 'path', 'size']);
    assert.ok(fields.includes('status') && fields.includes('error'), fields.join(','));
    const result = labels(await lsp.request('textDocument/completion', { textDocument: { uri: URI }, position: pos(13, col(13, 'content')) }));
    assert.deepEqual(result, ['content', 'path', 'size']);
    const afterTopic = col(13, 'topic') + 'topic'.length;
    const v = lsp.change(URI, [{ range: { start: pos(13, afterTopic), end: pos(13, afterTopic) }, text: ' | ' }]);
    await lsp.diagnosticsFor(URI, v);
    const filters = labels(await lsp.request('textDocument/completion', { textDocument: { uri: URI }, position: pos(13, afterTopic + 3) }));
    assert.ok(filters.includes('upper') && filters.includes('slugify') && filters.includes('truncate_words'), filters.join(','));
    const v2 = lsp.change(URI, [{ range: { start: pos(13, afterTopic), end: pos(13, afterTopic + 3) }, text: '' }]);
    await lsp.diagnosticsFor(URI, v2);
  });

  it('hovers: a key shows its schema description; a step reference the step', async () => {
    const key = await lsp.request<Hover>('textDocument/hover', { textDocument: { uri: URI }, position: pos(11, 6) });
    assert.equal((key.contents as { value: string }).value, '**`dependencies`** — Steps that must end before this one starts: a list, or a comma-separated string, of step ids.');
    const ref = await lsp.request<Hover>('textDocument/hover', { textDocument: { uri: URI }, position: pos(11, col(11, 'fetch') + 1) });
    assert.equal((ref.contents as { value: string }).value, '**step `fetch`**\n\n- does: `filesystem.read`\n\n_defined on line 5_');
    assert.equal(rangeText(ref.range!), span(11, 'fetch'));
    const action = await lsp.request<Hover>('textDocument/hover', { textDocument: { uri: URI }, position: pos(6, col(6, 'read') + 1) });
    assert.match((action.contents as { value: string }).value, /^\*\*`filesystem\.read`\*\* — Reads a text file\.\n\n\| parameter \| type \| required \| \|\n\|---\|---\|---\|---\|\n\| `path` \| string \| yes \| File to read\. \|/);
  });

  it('goes to a step\'s definition from a dependency, a template and steps[\'...\']', async () => {
    const fromDep = await lsp.request<Location>('textDocument/definition', { textDocument: { uri: URI }, position: pos(11, col(11, 'fetch') + 2) });
    assert.equal(rangeText(fromDep.range), span(4, 'fetch'));
    const fromTemplate = await lsp.request<Location>('textDocument/definition', { textDocument: { uri: URI }, position: pos(13, col(13, 'fetch') + 2) });
    assert.equal(rangeText(fromTemplate.range), span(4, 'fetch'));
    const fromSteps = await lsp.request<Location>('textDocument/definition', { textDocument: { uri: URI }, position: pos(20, col(20, 'write-up') + 2) });
    assert.equal(rangeText(fromSteps.range), span(9, 'write-up'));
  });

  it('finds every reference, and renames a step everywhere', async () => {
    const at = pos(4, col(4, 'fetch') + 1);
    const refs = await lsp.request<Location[]>('textDocument/references', { textDocument: { uri: URI }, position: at, context: { includeDeclaration: true } });
    const where = [span(4, 'fetch'), span(11, 'fetch'), span(13, 'fetch')];
    assert.deepEqual(refs.map((r) => rangeText(r.range)).sort(), [...where].sort());
    const edit = await lsp.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: URI }, position: at, newName: 'load' });
    assert.deepEqual(edit.changes![URI].map((e: TextEdit) => [rangeText(e.range), e.newText]).sort(), where.map((w) => [w, 'load']).sort());
    // to a hyphenated id: a bare template reference becomes steps['...']
    const hy = await lsp.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: URI }, position: at, newName: 'load-notes' });
    assert.deepEqual(hy.changes![URI].map((e: TextEdit) => [rangeText(e.range), e.newText]).sort(), [[where[0], 'load-notes'], [where[1], 'load-notes'], [where[2], "steps['load-notes']"]].sort());
    // renaming the hyphenated step keeps the quoted form inside steps['...']; the list under the
    // misspelt 'dependecies' key is no dependency, so it is not a reference
    const back = await lsp.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: URI }, position: pos(9, col(9, 'write-up') + 1), newName: 'draft' });
    assert.deepEqual(back.changes![URI].map((e: TextEdit) => [rangeText(e.range), e.newText]).sort(), [[span(9, 'write-up'), 'draft'], [span(20, 'write-up'), 'draft']].sort());
    await assert.rejects(lsp.request('textDocument/rename', { textDocument: { uri: URI }, position: at, newName: 'save' }), /A step 'save' already exists/);
  });

  it('outlines parameters, steps and outputs', async () => {
    const symbols = await lsp.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: URI } });
    assert.deepEqual(symbols.map((s) => [s.name, (s.children ?? []).map((c) => c.name)]), [['parameters', ['topic']], ['steps', ['fetch', 'write-up', 'save']], ['outputs', ['saved']]]);
    assert.equal(symbols[1].children![0].detail, 'filesystem.read');
    assert.equal(rangeText(symbols[1].children![0].selectionRange), span(4, 'fetch'));
  });

  it('semantic tokens mark parameters, step references, fields and filters inside templates', async () => {
    const tokens = await lsp.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri: URI } });
    // decode: [line, char, length, type]
    const out: [number, number, number, number][] = [];
    let line = 0;
    let char = 0;
    for (let i = 0; i < tokens.data.length; i += 5) {
      line += tokens.data[i];
      char = tokens.data[i] ? tokens.data[i + 1] : char + tokens.data[i + 1];
      out.push([line, char, tokens.data[i + 2], tokens.data[i + 3]]);
    }
    const TYPES = ['variable', 'parameter', 'function', 'class', 'property', 'macro', 'keyword'];
    assert.deepEqual(out.filter(([l]) => l === 13).map(([, c, n, t]) => [DOC.split('\n')[13].slice(c, c + n), TYPES[t]]), [['topic', 'parameter'], ['fetch', 'class'], ['result', 'property'], ['content', 'property']]);
  });

  it('offers quick fixes: the did-you-mean key, and the missing dependency', async () => {
    const v = lsp.change(URI, [{ range: { start: pos(0, 0), end: pos(0, 0) }, text: '' }]);
    const diags = await lsp.diagnosticsFor(URI, v);
    const actions = await lsp.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri: URI }, range: diags[0].range, context: { diagnostics: diags } });
    const fix = (title: string) => actions.find((a) => a.title === title)!;
    assert.deepEqual(fix("Change to 'dependencies'").edit!.changes![URI], [{ range: { start: pos(17, 4), end: pos(17, 15) }, newText: 'dependencies' }]);
    assert.equal(span(17, 'dependecies'), '17:4-17:15');
    assert.deepEqual(fix("Add 'write-up' to the dependencies of 'save'").edit!.changes![URI], [{ range: { start: pos(15, 0), end: pos(15, 0) }, newText: '    dependencies: [write-up]\n' }]);
  });

  it('code lenses run, debug and graph the pipeline, and run from each step, when the client has those commands', async () => {
    const other = new LspClient('stdio');
    try {
      await other.initialize();
      other.open(URI, DOC);
      assert.deepEqual(await other.request('textDocument/codeLens', { textDocument: { uri: URI } }), [], 'lenses for commands the client does not have');
    } finally {
      await other.stop();
    }
    const lenses = await lsp.request<{ command: { title: string; command: string; arguments: unknown[] } }[]>('textDocument/codeLens', { textDocument: { uri: URI } });
    assert.deepEqual(lenses.map((l) => [l.command.title, l.command.command]), [
      ['▶ Run pipeline', 'orchestrator.run'], ['Debug', 'orchestrator.debug'], ['Show graph', 'orchestrator.showGraph'],
      ['▶ Run from here', 'orchestrator.runFromHere'], ['▶ Run from here', 'orchestrator.runFromHere'], ['▶ Run from here', 'orchestrator.runFromHere'],
    ]);
  });

  it('folds mappings and lists; formats keeping comments', async () => {
    const folds = await lsp.request<{ startLine: number; endLine: number }[]>('textDocument/foldingRange', { textDocument: { uri: URI } });
    assert.ok(folds.some((f) => f.startLine === 3 && f.endLine === 20), JSON.stringify(folds));
    const uri = 'file:///work/fmt.pipeline.yaml';
    lsp.open(uri, 'id: f   # the id\nsteps:\n- id: a\n  action: generate   \n  parameters: {prompt: hi}\n');
    const edits = await lsp.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    assert.equal(edits[0].newText, 'id: f # the id\nsteps:\n  - id: a\n    action: generate\n    parameters: {prompt: hi}\n');
  });

  it('answers the graph request the extension uses', async () => {
    const uri = 'file:///work/g.pipeline.yaml';
    lsp.open(uri, 'id: g\nsteps:\n  - {id: a, action: generate, parameters: {prompt: hi}}\n  - {id: b, action: generate, parameters: {prompt: hi}, dependencies: [a]}\n');
    const g = await lsp.request<{ pipeline_id: string; edges: unknown[] }>('orchestrator/graph', { uri });
    assert.deepEqual([g.pipeline_id, g.edges], ['g', [{ from: 'a', to: 'b', kind: 'explicit' }]]);
  });
});

describe('language server over node IPC', function () {
  this.timeout(30_000);
  it('initializes and publishes diagnostics', async () => {
    const lsp = new LspClient('ipc');
    try {
      await lsp.initialize();
      lsp.open('file:///x.pipeline.yaml', 'id: x\nsteps:\n  - id: a\n    action: generat\n');
      const d: Diagnostic[] = await lsp.diagnosticsFor('file:///x.pipeline.yaml', 1);
      assert.deepEqual(d.map((x) => [x.code, rangeText(x.range)]), [['action.unknown', '3:12-3:19']]);
    } finally {
      await lsp.stop();
    }
  });
});

describe('language server on a long document', function () {
  this.timeout(30_000);
  // 300 steps, over the 20,000 characters from which a document is read by sections and each
  // step's results are kept for the next edit; step_150 has a misspelt key
  const lines = ['id: long', 'steps:'];
  for (let i = 0; i < 300; i++) {
    lines.push(`  - id: step_${i}`, '    action: generate', `    ${i === 150 ? 'dependecies' : 'dependencies'}: [${i ? `step_${i - 1}` : ''}]`, '    parameters:', `      prompt: "Go on after {{ ${i ? `step_${i - 1}.status` : 'execution.id'} }}"`);
  }
  const text = lines.join('\n') + '\n';
  const lineOf = (needle: string) => lines.indexOf(needle);

  /** Opens the document, waits `pauseMs`, then edits it three times: exact codes and ranges each time, and no handler fails. */
  async function session(uri: string, pauseMs: number): Promise<void> {
    assert.ok(text.length > 20_000);
    const lsp = new LspClient('stdio');
    try {
      await lsp.initialize();
      lsp.open(uri, text);
      const key = lineOf('    dependecies: [step_149]');
      const opened = await lsp.diagnosticsFor(uri, 1);
      // without its dependencies, step_150 waits for the step its prompt reads: a hint
      assert.deepEqual(opened.map((x) => [x.code, rangeText(x.range)]), [
        ['schema.unknown-key', `${key}:4-${key}:15`],
        ['template.implied-dependency', `${key + 2}:30-${key + 2}:38`],
      ]);
      await new Promise((r) => setTimeout(r, pauseMs));
      // the first edit fixes the key
      const v2 = lsp.change(uri, [{ range: { start: pos(key, 4), end: pos(key, 15) }, text: 'dependencies' }]);
      assert.deepEqual(await lsp.diagnosticsFor(uri, v2), []);
      // the second misspells a dependency far away; the third renames a step that others read
      const dep = lineOf('    dependencies: [step_279]');
      const v3 = lsp.change(uri, [{ range: { start: pos(dep, 24), end: pos(dep, 27) }, text: '2x9' }]);
      assert.deepEqual((await lsp.diagnosticsFor(uri, v3)).map((x) => [x.code, rangeText(x.range)]), [
        ['step.unknown-dependency', `${dep}:19-${dep}:27`],
        ['template.implied-dependency', `${dep + 2}:30-${dep + 2}:38`],
      ]);
      const id = lineOf('  - id: step_10');
      const v4 = lsp.change(uri, [{ range: { start: pos(id, 15), end: pos(id, 15) }, text: 'x' }]);
      const renamed = (await lsp.diagnosticsFor(uri, v4)).map((x) => [x.code, rangeText(x.range)]);
      const readers = [lineOf('    dependencies: [step_10]'), lineOf('      prompt: "Go on after {{ step_10.status }}"')];
      assert.deepEqual(renamed, [
        ['step.unknown-dependency', `${readers[0]}:19-${readers[0]}:26`],
        ['template.unknown-name', `${readers[1]}:30-${readers[1]}:37`],
        ['step.unknown-dependency', `${dep}:19-${dep}:27`],
        ['template.implied-dependency', `${dep + 2}:30-${dep + 2}:38`],
      ]);
      assert.deepEqual(lsp.logs.filter((l) => /failed/.test(l)), []);
    } finally {
      await lsp.stop();
    }
  }

  it('edited at once after the open: exact diagnostics on open and on each edit', () => session('file:///work/long.pipeline.yaml', 0));

  it('edited after a pause (the line offsets found meanwhile, then moved by each edit): the same', () => session('file:///work/paused.pipeline.yaml', 1000));
});

describe('language server survives any text', function () {
  this.timeout(300_000);
  it('the fuzz corpus through every handler: no crash, no error response', async () => {
    const lsp = new LspClient('stdio');
    try {
      await lsp.initialize();
      const docs = [...hostileDocuments(), ...mutatedDocuments(Number(process.env.LSP_FUZZ_COUNT ?? 150), 3)];
      let n = 0;
      for (const { text } of docs) {
        const uri = `file:///fuzz/${n++}.pipeline.yaml`;
        lsp.open(uri, text);
        const lines = text.split('\n');
        const line = Math.min(lines.length - 1, Math.floor(lines.length / 2));
        const p = pos(line, Math.floor(lines[line].length / 2));
        const td = { textDocument: { uri } };
        await Promise.all([
          lsp.request('textDocument/completion', { ...td, position: p }),
          lsp.request('textDocument/hover', { ...td, position: p }),
          lsp.request('textDocument/definition', { ...td, position: p }),
          lsp.request('textDocument/references', { ...td, position: p, context: { includeDeclaration: true } }),
          lsp.request('textDocument/documentHighlight', { ...td, position: p }),
          lsp.request('textDocument/documentSymbol', td),
          lsp.request('textDocument/foldingRange', td),
          lsp.request('textDocument/selectionRange', { ...td, positions: [p] }),
          lsp.request('textDocument/codeLens', td),
          lsp.request('textDocument/inlayHint', { ...td, range: { start: pos(0, 0), end: pos(lines.length, 0) } }),
          lsp.request('textDocument/semanticTokens/full', td),
          lsp.request('textDocument/codeAction', { ...td, range: { start: p, end: p }, context: { diagnostics: [] } }),
          lsp.request('textDocument/formatting', { ...td, options: { tabSize: 2, insertSpaces: true } }),
          lsp.request('orchestrator/graph', { uri }),
        ]);
        await lsp.diagnosticsFor(uri, 1);
        void lsp.connection.sendNotification('textDocument/didClose', td);
      }
      assert.equal(lsp.proc.exitCode, null, 'the server exited');
      assert.deepEqual(lsp.logs.filter((l) => /failed:/.test(l)), [], 'a handler threw');
    } finally {
      await lsp.stop();
    }
  });
});

describe('language server: models and AUTO tags', function () {
  this.timeout(30_000);
  let lsp: LspClient;
  let dir: string;
  const TEXT = ['id: m', 'orchestrator: anthropic:claude-sonnet-4-5', 'model: openai:gpt-4o-mini', 'steps:', '  - id: a', '    action: generate', '    max_retries: "<AUTO>how many attempts for a flaky API?</AUTO>"', '    parameters: {prompt: hi}', ''].join('\n');
  let uri: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-lsp-'));
    const file = path.join(dir, 'm.pipeline.yaml');
    fs.writeFileSync(file, TEXT);
    uri = `file://${file}`;
    lsp = new LspClient('stdio');
    await lsp.initialize();
    lsp.open(uri, TEXT);
    await lsp.diagnosticsFor(uri, 1);
  });
  after(async () => {
    await lsp.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('completes model ids from the registry, with price and context window', async () => {
    const items = await lsp.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: pos(2, 7) });
    const mini = items.find((i) => i.label === 'openai:gpt-4o-mini')!;
    assert.equal(mini.detail, '$0.15 in / $0.60 out per M tokens · 128k context');
    assert.ok(items.some((i) => i.label === 'anthropic:claude-sonnet-4-5') && items.some((i) => i.label === 'ollama:llama3.2'));
  });

  it('hovers a model with its price and context window', async () => {
    const h = await lsp.request<Hover>('textDocument/hover', { textDocument: { uri }, position: pos(2, 12) });
    assert.equal((h.contents as { value: string }).value, '**model `openai:gpt-4o-mini`**\n\n$0.15 in / $0.60 out per M tokens · 128k context\n\nexpertise: general, code; capabilities: json_mode, tools, vision');
  });

  it('an AUTO tag shows the type it must have, then its locked resolution from the lock file', async () => {
    const at = { textDocument: { uri }, position: pos(6, 25) };
    const before = await lsp.request<Hover>('textDocument/hover', at);
    assert.equal((before.contents as { value: string }).value, '**<AUTO> tag**: a model answers this when the pipeline compiles.\n\nThe answer must be an integer.\n\n> how many attempts for a flaky API?\n\nNot resolved yet.');
    fs.writeFileSync(path.join(dir, 'm.pipeline.yaml.auto.lock.json'), JSON.stringify({ format: 1, entries: [{ path: 'steps[0].max_retries', text: 'how many attempts for a flaky API?', model: 'anthropic:claude-sonnet-4-5', value: 4, resolved_at: '2026-11-21T10:00:00Z' }] }));
    const after = await lsp.request<Hover>('textDocument/hover', at);
    assert.match((after.contents as { value: string }).value, /\*\*Locked:\*\* `4` \(by `anthropic:claude-sonnet-4-5`, 2026-11-21T10:00:00Z\)$/);
    const hints = await lsp.request<{ label: string; position: { line: number; character: number } }[]>('textDocument/inlayHint', { textDocument: { uri }, range: { start: pos(0, 0), end: pos(9, 0) } });
    // after the tag's closing `</AUTO>`, before the quote
    assert.deepEqual(hints.map((h) => [h.label, h.position]), [[' = 4', { line: 6, character: TEXT.split('\n')[6].indexOf('</AUTO>') + '</AUTO>'.length }]]);
    // changing the question leaves it unresolved
    const v = lsp.change(uri, [{ range: { start: pos(6, 24), end: pos(6, 27) }, text: 'what' }]);
    await lsp.diagnosticsFor(uri, v);
    const changed = await lsp.request<{ label: string }[]>('textDocument/inlayHint', { textDocument: { uri }, range: { start: pos(0, 0), end: pos(9, 0) } });
    assert.deepEqual(changed, []);
  });
});

const STALE_URI = 'file:///work/stale.pipeline.yaml';

const doc = (id: string, tool = 'terminal') => `id: p\nsteps:\n  - id: ${id}\n    tool: ${tool}\n    action: execute\n    parameters:\n      command: echo\n`;

const MANY_URI = 'file:///work/many.pipeline.yaml';

describe('hostile input', () => {
  // Holes found from outside in the language server (issue 9): a late didChange with an older
  // version was applied over the newer text, and deeply nested templates overflowed the stack so the
  // document got no diagnostics at all.
  describe('hardening: language server', function () {
    this.timeout(30_000);
    let client: LspClient;
    beforeEach(async () => {
      client = new LspClient('stdio');
      await client.initialize();
    });
    afterEach(() => client.stop());

    it('ignores a didChange whose version is older than the document: its text is not applied, nothing is published for it', async () => {
      client.open(STALE_URI, doc('one'));
      await client.diagnosticsFor(STALE_URI, 1);
      // version 3 arrives first (an unknown tool: one error), then a late version 2 (valid)
      await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: STALE_URI, version: 3 }, contentChanges: [{ text: doc('three', 'nosuchtool') }] });
      await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: STALE_URI, version: 2 }, contentChanges: [{ text: doc('two') }] });
      const d3 = await client.diagnosticsFor(STALE_URI, 3);
      assert.deepEqual(d3.map((d) => d.code), ['tool.unknown']);
      const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: STALE_URI } });
      const names = JSON.stringify(symbols);
      assert.ok(names.includes('three') && !names.includes('two'), `the document holds version 3's text: ${names}`);
      // give a stale publish time to arrive: none may
      await new Promise((r) => setTimeout(r, 300));
      await assert.rejects(client.diagnosticsFor(STALE_URI, 2, 100), /no diagnostics/);
    });

    for (const [what, template] of [
      ['10,000 terms of 1 + 1 + ...', `{{ ${Array(10_000).fill('1').join(' + ')} }}`],
      ['5,000 | upper filters', `{{ 'x'${' | upper'.repeat(5000)} }}`],
    ] as const) {
      it(`a template of ${what} gets a syntax diagnostic on its expression, and the other features still answer`, async () => {
        const text = `id: deep\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters:\n      command: "echo ${template}"\n`;
        client.open(STALE_URI, text);
        const diags = await client.diagnosticsFor(STALE_URI, 1);
        assert.deepEqual(
          diags.map((d) => [d.code, d.message, d.range.start.line, d.range.start.character]),
          [['template.syntax', 'Template syntax error: Expression nested deeper than 500 levels: split it with {% set %}.', 6, text.split('\n')[6].indexOf('{{') + 3]],
        );
        const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: STALE_URI } });
        assert.ok(JSON.stringify(symbols).includes('"a"'), 'document symbols still list the step');
      });
    }

    it('5,000 nested {% if %} blocks get a syntax diagnostic at the block past the limit', async () => {
      const template = '{% if true %}'.repeat(5000) + 'x' + '{% endif %}'.repeat(5000);
      const text = `id: deep\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters:\n      command: "echo ${template}"\n`;
      client.open(STALE_URI, text);
      const diags = await client.diagnosticsFor(STALE_URI, 1);
      const at = text.split('\n')[6].indexOf('{%') + 100 * '{% if true %}'.length;
      assert.deepEqual(diags.map((d) => [d.code, d.message, d.range.start.line, d.range.start.character]), [['template.syntax', 'Template syntax error: Blocks nested deeper than 100 levels.', 6, at]]);
    });
  });

  // Hardening, round two (issue 24, item 13): a document with thousands of findings blocked the
  // language server for seconds (the findings' suggestions grew quadratically) and every one was
  // published. Now the first MAX_PUBLISHED_DIAGNOSTICS are published and one more diagnostic, on the
  // first finding left out, says how many more there are; the server answers other requests meanwhile.
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
      client.open(MANY_URI, lines.join('\n') + '\n');
      const symbols = client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: MANY_URI } });
      const diags = await client.diagnosticsFor(MANY_URI, 1);
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
      client.open(MANY_URI, lines.join('\n') + '\n');
      const diags = await client.diagnosticsFor(MANY_URI, 1);
      assert.equal(diags.length, 1000);
      assert.ok(diags.every((d) => d.code === 'template.unknown-name'));
    });
  });

  // Slow paths found from outside (issue 9). Speed itself is measured in bench/; these tests check
  // the results of work that used to take minutes, under mocha's timeout, so the quadratic versions
  // fail them.
  describe('hardening: mappings with many keys', function () {
    this.timeout(20_000);

    it('completion in a document of 60,000 parameters (1.9 MB) answers at once, the best 1,000 names marked incomplete, and any name as its characters are typed (the parser compared every key with every other)', async () => {
      const params = Array.from({ length: 60_000 }, (_, i) => `  p${i}: {type: string, default: v${i}}\n`).join('');
      const text = `id: big\nparameters:\n${params}steps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters:\n      command: "{{ p`;
      assert.ok(text.length > 1_900_000);
      const client = new LspClient('stdio');
      try {
        await client.initialize();
        const uri = 'file:///work/many-params.pipeline.yaml';
        client.open(uri, text);
        const lines = text.split('\n');
        const end = (typed: string) => ({ line: lines.length - 1, character: lines[lines.length - 1].length + typed.length });
        type List = { isIncomplete: boolean; items: { label: string }[] };
        // `{{ p`: the names that start with it, shortest first: p0-p9, p10-p99, p100-p999
        const first = await client.request<List>('textDocument/completion', { textDocument: { uri }, position: end('') });
        assert.equal(first.isIncomplete, true);
        assert.deepEqual(first.items.map((i) => i.label), Array.from({ length: 1_000 }, (_, i) => `p${i}`));
        // typed on: the editor asks again, and the name typed comes first
        client.change(uri, [{ range: { start: end(''), end: end('') }, text: '5999' }]);
        const typed = await client.request<List>('textDocument/completion', { textDocument: { uri }, position: end('5999') });
        assert.equal(typed.isIncomplete, true);
        assert.deepEqual(typed.items.slice(0, 11).map((i) => i.label), ['p5999', 'p59990', 'p59991', 'p59992', 'p59993', 'p59994', 'p59995', 'p59996', 'p59997', 'p59998', 'p59999']);
      } finally {
        await client.stop();
      }
    });
  });
});
