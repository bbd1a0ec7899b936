// Agents in the editor: the language server over stdio, driven as an editor drives it, on a saved
// pipeline with an agent step and named agents: exact diagnostics on allow-list entries, the quick
// fixes (did-you-mean, `approve: true`) applied as edits, a pipeline file created on disk clearing
// its error, completion of allow-list entries and agent keys, and hover on entries.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeAction, CompletionItem, Diagnostic, Hover, TextEdit } from 'vscode-languageserver-protocol';
import { configHash } from '../../engine/mcp/config';
import { TOOL_SPECS } from '../../engine/toolkit/toolSpecs';
import { LspClient } from '../helpers/lspClient';

const DOC = [
  'id: main', //                                            0
  'model: openai:gpt-4o-mini', //                           1
  'mcp_servers:', //                                        2
  '  files: {command: node, args: [server.js]}', //         3
  'agents:', //                                             4
  '  worker:', //                                           5
  '    description: Reads and summarizes files.', //        6
  '    model: anthropic:claude-haiku-4-5', //               7
  '    tools: [filesystem.read]', //                        8
  '  helper: {expert: coder}', //                           9
  'experts: {coder: openai:gpt-4o}', //                     10
  'steps:', //                                              11
  '  - id: triage', //                                      12
  '    action: agent', //                                   13
  '    tools:', //                                          14
  '      - filesytem.read', //                              15
  '      - terminal.execute', //                            16
  '      - agent: worker', //                               17
  '      - pipeline: report.pipeline.yaml', //              18
  '      - mcp:files', //                                   19
  '    max_turns: 5', //                                    20
  '    parameters:', //                                     21
  '      prompt: Triage the inbox.', //                     22
  '  - id: write', //                                       23
  '    action: generate', //                                24
  '    dependencies: [triage]', //                          25
  '    parameters:', //                                     26
  '      prompt: "{{ triage.result.answer }}"', //          27
  '',
].join('\n');

const pos = (line: number, character: number) => ({ line, character });
const rangeText = (r: { start: { line: number; character: number }; end: { line: number; character: number } }) => `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
/** 'line:start-line:end' of `needle` on a line of DOC. */
const span = (line: number, needle: string) => {
  const i = DOC.split('\n')[line].indexOf(needle);
  assert.ok(i >= 0, `'${needle}' not on line ${line}`);
  return `${line}:${i}-${line}:${i + needle.length}`;
};
const itemsOf = (r: CompletionItem[] | { items: CompletionItem[] }) => (Array.isArray(r) ? r : r.items);
const APPROVAL = "with no person approving the calls (excessive agency, OWASP LLM06): add 'approve: true' so each call waits for a yes.";

describe('language server: agents', function () {
  this.timeout(30_000);
  let dir: string;
  let uri: string;
  let lsp: LspClient;
  let version = 1;
  /** Runs fn with `text` inserted as a line before `line`, then takes it out again (whatever fn does). */
  const withLine = async (line: number, text: string, fn: () => Promise<void>) => {
    version = lsp.change(uri, [{ range: { start: pos(line, 0), end: pos(line, 0) }, text: `${text}\n` }]);
    try {
      await fn();
    } finally {
      version = lsp.change(uri, [{ range: { start: pos(line, 0), end: pos(line + 1, 0) }, text: '' }]);
    }
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-agent-lsp-'));
    fs.writeFileSync(
      path.join(dir, 'report.pipeline.yaml'),
      [
        'id: report',
        'description: Writes a report on a topic.',
        'parameters:',
        '  topic: {type: string, description: What the report is about.}',
        '  pages: {type: integer, default: 2}',
        'steps:',
        '  - {id: a, action: generate, parameters: {prompt: "{{ topic }}"}}',
        'outputs: {text: "{{ a.result }}"}',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(dir, 'other.pipeline.yaml'), 'id: other\nsteps:\n  - {id: a, action: generate, parameters: {prompt: hi}}\n');
    uri = pathToFileURL(path.join(dir, 'main.pipeline.yaml')).href;
    // the user's MCP settings declare one more server
    fs.writeFileSync(path.join(dir, 'mcp.json'), JSON.stringify({ servers: { notes: { command: 'node', args: ['notes.js'] } } }));
    lsp = new LspClient('stdio', process.execPath, undefined, { ...process.env, ORC_MCP_CONFIG: path.join(dir, 'mcp.json') });
    await lsp.initialize();
    lsp.open(uri, DOC);
  });
  after(async () => {
    await lsp.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("publishes the allow-list's findings on the entries' own characters", async () => {
    const d = await lsp.diagnosticsFor(uri, 1);
    assert.deepEqual(
      d.map((x) => [x.code, x.severity, x.message, rangeText(x.range)]),
      [
        ['agent.unknown-tool', 1, "Unknown tool 'filesytem' in the allow-list of agent step 'triage'. Did you mean 'filesystem.read'?", span(15, 'filesytem.read')],
        ['agent.unapproved-tool', 2, `'terminal.execute' lets the model of agent step 'triage' run shell commands, ${APPROVAL}`, span(16, 'terminal.execute')],
        ['agent.unapproved-tool', 2, `'mcp:files' lets the model of agent step 'triage' call every tool of MCP server 'files', whose effects this pipeline cannot see, ${APPROVAL}`, span(19, 'mcp:files')],
      ],
    );
  });

  it('offers the did-you-mean and the approval as quick fixes; applied, they leave the one still unapproved', async () => {
    const diags: Diagnostic[] = await lsp.diagnosticsFor(uri, 1);
    const actions = await lsp.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: diags[0].range, context: { diagnostics: diags.slice(0, 2) } });
    const edits = actions.map((a) => [a.title, a.isPreferred, a.edit!.changes![uri]]);
    assert.deepEqual(edits, [
      ["Change to 'filesystem.read'", true, [{ range: { start: pos(15, 8), end: pos(15, 22) }, newText: 'filesystem.read' }]],
      ["Ask a person to approve each call of 'terminal.execute' (approve: true)", true, [{ range: { start: pos(16, 8), end: pos(16, 24) }, newText: '{terminal.execute: {approve: true}}' }]],
    ]);
    // the editor applies them from the bottom up, as one change each
    const all = actions.flatMap((a) => a.edit!.changes![uri] as TextEdit[]).sort((x, y) => y.range.start.line - x.range.start.line);
    for (const e of all) version = lsp.change(uri, [{ range: e.range, text: e.newText }]);
    const after = await lsp.diagnosticsFor(uri, version);
    assert.deepEqual(
      after.map((x) => [x.code, rangeText(x.range)]),
      [['agent.unapproved-tool', span(19, 'mcp:files')]],
    );
  });

  it('a pipeline file that is missing is an error until it is created on disk', async () => {
    // line 18 becomes `      - pipeline: later.pipeline.yaml`
    version = lsp.change(uri, [{ range: { start: pos(18, 18), end: pos(18, 24) }, text: 'later' }]);
    const missing = await lsp.diagnosticsFor(uri, version);
    assert.deepEqual(
      missing.map((x) => [x.code, x.message, rangeText(x.range)]).filter(([c]) => c === 'agent.pipeline-file'),
      [['agent.pipeline-file', `No pipeline file 'later.pipeline.yaml' (looked for ${path.join(dir, 'later.pipeline.yaml')}).`, '18:18-18:37']],
    );
    const later = path.join(dir, 'later.pipeline.yaml');
    fs.writeFileSync(later, 'id: later\nsteps:\n  - {id: a, action: generate, parameters: {prompt: hi}}\n');
    void lsp.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(later).href, type: 1 }] });
    const found = await lsp.diagnosticsWhere(uri, (p) => p.version === version && !p.diagnostics.some((x) => x.code === 'agent.pipeline-file'), 'without the pipeline-file error');
    assert.deepEqual(
      found.map((x) => x.code),
      ['agent.unapproved-tool'],
    );
    // back to the report, for the tests that follow
    version = lsp.change(uri, [{ range: { start: pos(18, 18), end: pos(18, 23) }, text: 'report' }]);
    await lsp.diagnosticsFor(uri, version);
  });

  it("completes allow-list entries: every tool and action, the user's MCP server, named agents and pipeline files beside it, none already listed", async () => {
    // a new entry `      - filesystem.` after line 19
    await withLine(20, '      - filesystem.', async () => {
      const items = itemsOf(await lsp.request('textDocument/completion', { textDocument: { uri }, position: pos(20, 19) }));
      const builtIn = Object.values(TOOL_SPECS).flatMap((t) => [t.name, ...Object.keys(t.actions).map((a) => `${t.name}.${a}`)]);
      // an entry that lets the model change things comes a second time, in its option form with approve: true
      const approved = ['filesystem', 'filesystem.write', 'filesystem.append', 'filesystem.copy', 'filesystem.move', 'filesystem.delete', 'terminal', 'python-executor', 'python-executor.execute', 'sql', 'sql.query', 'sql.execute', 'sql.transaction', 'mcp:notes'].map((e) => `{${e}: {approve: true}}`);
      assert.deepEqual(items.map((i) => i.label).sort(), [...builtIn.filter((e) => e !== 'filesystem.read' && e !== 'terminal.execute'), 'mcp:notes', 'agent: helper', 'pipeline: later.pipeline.yaml', 'pipeline: other.pipeline.yaml', ...approved].sort());
      const read = items.find((i) => i.label === 'filesystem.write')!;
      assert.deepEqual(read.textEdit, { range: { start: pos(20, 8), end: pos(20, 19) }, newText: 'filesystem.write' });
      assert.equal(read.filterText, 'filesystem.write');
      assert.equal(
        (read.documentation as { value: string }).value,
        [
          '**`filesystem.write`** — Writes a text file, creating its folders; replaces an existing file.',
          '',
          '| argument | type | required | |',
          '|---|---|---|---|',
          '| `path` | string | yes | File to write. |',
          '| `content` | any | yes | Text to write (data is written as JSON). |',
          '',
          'It lets the model write files: give it `approve: true` so each call waits for a person.',
        ].join('\n'),
      );
      const helper = items.find((i) => i.label === 'agent: helper')!;
      assert.equal((helper.documentation as { value: string }).value, ['**agent `helper`**', '', '- model: `openai:gpt-4o` (expert `coder`)', '', 'Called with one argument, `prompt`: the task, with everything it needs to know.'].join('\n'));
    });
  });

  it("completes a named agent's flow list, leaving out itself and what it lists; `agent:` values are the other agents", async () => {
    // line 8 becomes `    tools: [filesystem.read, ag]`
    version = lsp.change(uri, [{ range: { start: pos(8, 27), end: pos(8, 27) }, text: ', ag' }]);
    const items = itemsOf(await lsp.request('textDocument/completion', { textDocument: { uri }, position: pos(8, 31) }));
    const labels = items.map((i) => i.label);
    assert.ok(!labels.includes('filesystem.read') && !labels.includes('agent: worker') && labels.includes('mcp:files'), labels.join(', '));
    assert.deepEqual(items.find((i) => i.label === 'agent: helper')!.textEdit, { range: { start: pos(8, 29), end: pos(8, 31) }, newText: '{agent: helper}' });
    version = lsp.change(uri, [{ range: { start: pos(8, 27), end: pos(8, 31) }, text: '' }]);
    // `      - agent: ` on a new line under the step's tools
    await withLine(20, '      - agent: ', async () => {
      const agents = itemsOf(await lsp.request('textDocument/completion', { textDocument: { uri }, position: pos(20, 15) }));
      assert.deepEqual(
        agents.map((i) => [i.label, i.detail]),
        [
          ['worker', 'Reads and summarizes files.'],
          ['helper', 'the agent helper'],
        ],
      );
    });
  });

  it('completes the agent keys first on an agent step, and not at all on a step with another action', async () => {
    await withLine(21, '    max', async () => {
      const onAgent = itemsOf(await lsp.request('textDocument/completion', { textDocument: { uri }, position: pos(21, 7) }));
      const sorted = onAgent.sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label)).map((i) => i.label);
      // the ones the step has (`tools`, `max_turns`) are not offered again; `budget` is any model
      // step's key now (SPEC: guardrails and budgets), so it comes with the step keys after the agent's;
      // `handoffs` and `memory` are an agent's own (conversations, v1.2)
      assert.deepEqual(sorted.slice(0, 7), ['handoffs', 'max_tool_calls', 'memory', 'on_limit', 'parallel_tool_calls', 'budget', 'cache']);
    });
    await withLine(26, '    max', async () => {
      const onGenerate = itemsOf(await lsp.request('textDocument/completion', { textDocument: { uri }, position: pos(26, 7) })).map((i) => i.label);
      assert.ok(onGenerate.includes('max_retries') && onGenerate.includes('budget') && !onGenerate.some((l) => ['tools', 'max_turns', 'max_tool_calls', 'on_limit', 'parallel_tool_calls', 'handoffs', 'memory'].includes(l)), onGenerate.join(', '));
    });
  });

  it("hovers an entry with its tool's arguments, `agent: NAME` with the agent, `pipeline: FILE` with its parameters", async () => {
    const hover = async (line: number, character: number) => ((await lsp.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: pos(line, character) }))?.contents as { value: string } | undefined)?.value;
    assert.equal(
      await hover(15, 12),
      ['**`filesystem.read`** — Reads a text file.', '', '| argument | type | required | |', '|---|---|---|---|', '| `path` | string | yes | File to read. |', '| `encoding` | string |  | Text encoding (default utf8). |'].join('\n'),
    );
    assert.equal(
      await hover(16, 12),
      [
        '**`terminal.execute`** — Runs a command in a shell and captures its output.',
        '',
        '| argument | type | required | |',
        '|---|---|---|---|',
        '| `command` | string | yes | The command line, run by `/bin/sh -c`. |',
        "| `cwd` | string |  | Working directory of the command (default the run's). |",
        "| `capture_output` | boolean |  | Keep stdout and stderr in the result (default true); false still streams them to the run's output. |",
        "| `env` | object |  | Environment variables added to the run's. |",
        "| `pass_env` | array |  | Names of the run's environment variables withheld by default that this command gets: the model providers' keys (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `GEMINI_API_KEY`, `GOOGLE_API_KEY`). |",
        "| `timeout` | number |  | Seconds before the command is killed (the step's `timeout` also applies). |",
        '| `input` | string |  | Text given to the command on standard input. |',
        '',
        'Each call waits for a person to approve it.',
      ].join('\n'),
    );
    assert.equal(
      await hover(17, 17),
      ['**agent `worker`** — Reads and summarizes files.', '', '- model: `anthropic:claude-haiku-4-5`', '- tools: `filesystem.read`', '', 'Called with one argument, `prompt`: the task, with everything it needs to know.'].join('\n'),
    );
    assert.equal(
      await hover(18, 22),
      [
        '**`pipeline: report.pipeline.yaml`** — runs the pipeline `report.pipeline.yaml` as one tool: its `parameters` are the arguments, its `outputs` the result.',
        '',
        'Writes a report on a topic.',
        '',
        '| argument | type | required | |',
        '|---|---|---|---|',
        '| `topic` | string |  | What the report is about. |',
        '| `pages` | integer |  |  |',
        '',
        'Result: `text`',
      ].join('\n'),
    );
  });
  it("an MCP server's cached listing: its tools complete, a misspelt one is an error, hover shows its input schema", async () => {
    // the listing the editor finds in the workspace's cache (server/documents.ts reads it without starting anything)
    const decl = { command: 'node', args: ['server.js'] };
    const tools = [
      { name: 'list', description: 'Lists a folder.', inputSchema: { type: 'object', properties: { dir: { type: 'string', description: 'The folder.' }, deep: { type: 'boolean' } }, required: ['dir'] } },
      { name: 'read', description: 'Reads a file.', inputSchema: { type: 'object', properties: { file: { type: 'string' } } } },
    ];
    fs.mkdirSync(path.join(dir, '.orchestrator', 'mcp'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.orchestrator', 'mcp', `${configHash('files', decl, dir)}.json`), JSON.stringify({ ok: true, server: 'files', listed_at: Date.now(), tools }));
    const second = pathToFileURL(path.join(dir, 'second.pipeline.yaml')).href;
    const text = ['id: second', 'model: openai:gpt-4o-mini', 'mcp_servers:', '  files: {command: node, args: [server.js]}', 'steps:', '  - id: a', '    action: agent', '    tools:', '      - {mcp:files.list: {approve: true}}', '      - {mcp:files.lst: {approve: true}}', '      - mcp:files.', '    parameters: {prompt: hi}', ''].join('\n');
    lsp.open(second, text);
    const d = await lsp.diagnosticsFor(second, 1);
    assert.deepEqual(
      d.map((x) => [x.code, x.message, rangeText(x.range)]),
      [
        ['mcp.unknown-tool', "MCP server 'files' has no tool 'lst'. Did you mean 'mcp:files.list'? It has 'list', 'read'.", '9:9-9:22'],
        ['agent.empty-entry', "'mcp:files.' names no tool after the dot: write 'mcp:files.TOOL', or 'mcp:files' for every tool of the server.", '10:8-10:18'],
      ],
    );
    const items = itemsOf(await lsp.request('textDocument/completion', { textDocument: { uri: second }, position: pos(10, 18) }));
    assert.deepEqual(items.filter((i) => i.label.startsWith('mcp:')).map((i) => [i.label, i.textEdit]), [
      ['mcp:files', { range: { start: pos(10, 8), end: pos(10, 18) }, newText: 'mcp:files' }],
      ['mcp:files.read', { range: { start: pos(10, 8), end: pos(10, 18) }, newText: 'mcp:files.read' }],
      ['mcp:notes', { range: { start: pos(10, 8), end: pos(10, 18) }, newText: 'mcp:notes' }],
    ]);
    const hover = await lsp.request<Hover | null>('textDocument/hover', { textDocument: { uri: second }, position: pos(8, 14) });
    assert.equal(
      (hover?.contents as { value: string }).value,
      ['**`mcp:files.list`** — Lists a folder.', '', '| argument | type | required | |', '|---|---|---|---|', '| `dir` | string | yes | The folder. |', '| `deep` | boolean |  |  |', '', 'Each call waits for a person to approve it.'].join('\n'),
    );
  });
});
