// Writing an agent in the editor: the language server over stdio, as an editor drives it. Completion
// inserts each agent key with a value to fill in, a whole agent step where a step starts, and for an
// allow-list entry that changes things its option form as a second item; a code lens above each
// agent (a step, a named agent) says what its allow-list lets the model call and how many of those
// wait for approval, counted as a run resolves it (a whole tool is each action, the most specific
// entry decides, an MCP server whose tools are not listed yet counts as one server).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CompletionItem } from 'vscode-languageserver-protocol';
import { configHash } from '../../engine/mcp/config';
import { LspClient } from '../helpers/lspClient';

const ROOT = path.resolve(__dirname, '..', '..');
const pos = (line: number, character: number) => ({ line, character });
type R = { start: { line: number; character: number }; end: { line: number; character: number } };
const range = (line: number, from: number, to: number): R => ({ start: pos(line, from), end: pos(line, to) });
const itemsOf = (r: CompletionItem[] | { items: CompletionItem[] }) => (Array.isArray(r) ? r : r.items);
interface Lens {
  range: R;
  command: { title: string; command: string; arguments: unknown[] };
}

/** A pipeline with two named agents and an agent step calling MCP servers: one whose tools are cached, one never listed. */
const TEAM = [
  'id: team', //                                                   0
  'model: openai:gpt-4o-mini', //                                  1
  'mcp_servers:', //                                               2
  '  files: {command: node, args: [files.js]}', //                 3
  '  notes: {command: node, args: [notes.js]}', //                 4
  'agents:', //                                                    5
  '  worker:', //                                                  6
  '    description: Reads and writes files.', //                   7
  '    tools:', //                                                 8
  '      - {filesystem: {approve: true}}', //                      9
  '      - filesystem.read', //                                    10
  '  quiet: {description: Only answers.}', //                      11
  'steps:', //                                                     12
  '  - id: lead', //                                               13
  '    action: agent', //                                          14
  '    tools:', //                                                 15
  '      - agent: worker', //                                      16
  '      - {mcp:files: {approve: true}}', //                       17
  '      - mcp:notes', //                                          18
  '      - {terminal.execute: {approve: true}}', //                19
  '    parameters: {prompt: Sort the inbox.}', //                  20
  '  - id: each', //                                               21
  '    for_each: "{{ [1, 2] }}"', //                               22
  '    steps:', //                                                 23
  '      - id: helper', //                                         24
  '        action: agent', //                                      25
  '        tools: [filesystem.list]', //                           26
  '        parameters: {prompt: "List {{ item }}."}', //           27
  '',
].join('\n');

describe('language server: writing an agent (snippets, the allow-list lens)', function () {
  this.timeout(30_000);
  let dir: string;
  let lsp: LspClient;
  const triageUri = pathToFileURL(path.join(ROOT, 'examples', 'triage.pipeline.yaml')).href;
  const triage = fs.readFileSync(path.join(ROOT, 'examples', 'triage.pipeline.yaml'), 'utf8');
  let teamUri: string;
  let draftUri: string;
  const lenses = async (uri: string) => (await lsp.request<Lens[]>('textDocument/codeLens', { textDocument: { uri } })).filter((l) => l.command.command === 'orchestrator.showAllowedTools');
  const complete = async (uri: string, line: number, character: number) => itemsOf(await lsp.request('textDocument/completion', { textDocument: { uri }, position: pos(line, character) }));

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-agent-editor-lsp-'));
    // the tools of `files` as the workspace's cache lists them (the server starts nothing: not trusted)
    const decl = { command: 'node', args: ['files.js'] };
    const tools = [
      { name: 'list', description: 'Lists a folder.', inputSchema: { type: 'object', properties: { dir: { type: 'string' } } } },
      { name: 'read', description: 'Reads a file.', inputSchema: { type: 'object', properties: { file: { type: 'string' } } } },
    ];
    fs.mkdirSync(path.join(dir, '.orchestrator', 'mcp'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.orchestrator', 'mcp', `${configHash('files', decl, dir)}.json`), JSON.stringify({ ok: true, server: 'files', listed_at: Date.now(), tools }));
    fs.writeFileSync(path.join(dir, 'mcp.json'), JSON.stringify({ servers: {} }));
    teamUri = pathToFileURL(path.join(dir, 'team.pipeline.yaml')).href;
    draftUri = pathToFileURL(path.join(dir, 'draft.pipeline.yaml')).href;
    lsp = new LspClient('stdio', process.execPath, undefined, { ...process.env, ORC_MCP_CONFIG: path.join(dir, 'mcp.json') });
    await lsp.initialize({ commands: ['orchestrator.run', 'orchestrator.runFromHere', 'orchestrator.showAllowedTools'] });
    lsp.open(triageUri, triage);
    lsp.open(teamUri, TEAM);
  });
  after(async () => {
    await lsp.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a lens above the triage example's agent step: 3 tools, the write waits for approval; its quick pick lists each with its entry", async () => {
    const lines = triage.split('\n');
    const at = lines.indexOf('  - id: triage');
    assert.ok(at > 0);
    const entry = (text: string) => {
      const line = lines.indexOf(`      - ${text}`);
      return range(line, 8, 8 + text.length);
    };
    assert.deepEqual(await lenses(triageUri), [
      {
        range: range(at, 8, 14),
        command: {
          title: 'Allowed: 3 tools, 1 needs approval',
          command: 'orchestrator.showAllowedTools',
          arguments: [
            triageUri,
            {
              owner: "agent step 'triage'",
              tools: [
                { tool: 'filesystem.list', approve: false, entry: 'filesystem.list', range: entry('filesystem.list') },
                { tool: 'filesystem.read', approve: false, entry: 'filesystem.read', range: entry('filesystem.read') },
                { tool: 'filesystem.write', approve: true, entry: 'filesystem.write', range: entry('{filesystem.write: {approve: true, timeout: 10}}') },
              ],
            },
          ],
        },
      },
    ]);
    // beside the step's own lens, which stays
    const all = await lsp.request<Lens[]>('textDocument/codeLens', { textDocument: { uri: triageUri } });
    assert.deepEqual(all.filter((l) => l.range.start.line === at).map((l) => l.command.title), ['▶ Run from here', 'Allowed: 3 tools, 1 needs approval']);
  });

  it('lenses above named agents and agent steps (a loop body too): a whole tool is its actions, the specific entry decides, an unlisted MCP server counts as one', async () => {
    const got = await lenses(teamUri);
    assert.deepEqual(
      got.map((l) => [l.range, l.command.title, (l.command.arguments[1] as { owner: string }).owner]),
      [
        [range(6, 2, 8), 'Allowed: 8 tools, 7 need approval', "agent 'worker'"],
        [range(11, 2, 7), 'Allowed: no tools (the model only answers)', "agent 'quiet'"],
        [range(13, 8, 12), 'Allowed: 4 tools + 1 MCP server (tools listed when it starts), 3 need approval', "agent step 'lead'"],
        [range(24, 12, 18), 'Allowed: 1 tool, none needs approval', "agent step 'helper'"],
      ],
    );
    const worker = got[0].command.arguments[1] as { tools: { tool: string; approve: boolean; entry: string; range: R }[] };
    // filesystem.read is its own entry, without approval; every other action of filesystem waits for one
    assert.deepEqual(
      worker.tools.map((t) => `${t.tool} ${t.approve ? 'approve' : 'runs'} (${t.entry} ${t.range.start.line})`),
      ['filesystem.read runs (filesystem.read 10)', 'filesystem.write approve (filesystem 9)', 'filesystem.append approve (filesystem 9)', 'filesystem.copy approve (filesystem 9)', 'filesystem.move approve (filesystem 9)', 'filesystem.delete approve (filesystem 9)', 'filesystem.list approve (filesystem 9)', 'filesystem.exists approve (filesystem 9)'],
    );
    assert.deepEqual((got[2].command.arguments[1] as { tools: unknown[] }).tools, [
      { tool: 'agent:worker', approve: false, entry: 'agent:worker', range: range(16, 8, 21) },
      { tool: 'mcp:files.list', approve: true, entry: 'mcp:files', range: range(17, 8, 36) },
      { tool: 'mcp:files.read', approve: true, entry: 'mcp:files', range: range(17, 8, 36) },
      { tool: 'mcp:notes', approve: false, entry: 'mcp:notes', range: range(18, 8, 17), unlistedServer: true },
      { tool: 'terminal.execute', approve: true, entry: 'terminal.execute', range: range(19, 8, 43) },
    ]);
  });

  it('completes the agent keys of a step as snippets, their values to fill in', async () => {
    lsp.open(draftUri, ['id: draft', 'steps:', '  - id: a', '    action: agent', '    ', '    parameters: {prompt: hi}', ''].join('\n'));
    const items = await complete(draftUri, 4, 4);
    const snippet = (label: string) => {
      const i = items.find((x) => x.label === label);
      assert.ok(i, `no ${label}`);
      return [i.insertText, i.insertTextFormat];
    };
    assert.deepEqual(snippet('budget'), ['budget: {max_cost_usd: ${1:0.25}}', 2]);
    assert.deepEqual(snippet('on_limit'), ['on_limit: ${1|fail,answer|}', 2]);
    assert.deepEqual(snippet('max_turns'), ['max_turns: ${1:10}', 2]);
    assert.deepEqual(snippet('max_tool_calls'), ['max_tool_calls: ${1:50}', 2]);
    assert.deepEqual(snippet('parallel_tool_calls'), ['parallel_tool_calls: ${1|true,false|}', 2]);
    assert.deepEqual(snippet('tools'), ['tools:\n  - ${1:filesystem.read}', 2]);
    // other keys stay plain
    assert.deepEqual([items.find((x) => x.label === 'timeout')?.insertText, items.find((x) => x.label === 'timeout')?.insertTextFormat], ['timeout: ', undefined]);
  });

  it("completes a named agent's keys as snippets too", async () => {
    lsp.change(teamUri, [{ range: { start: pos(8, 0), end: pos(8, 0) }, text: '    bu\n' }]);
    try {
      const items = await complete(teamUri, 8, 6);
      const budget = items.find((x) => x.label === 'budget');
      assert.deepEqual([budget?.insertText, budget?.insertTextFormat], ['budget: {max_cost_usd: ${1:0.25}}', 2]);
    } finally {
      lsp.change(teamUri, [{ range: { start: pos(8, 0), end: pos(9, 0) }, text: '' }]);
    }
  });

  it('offers a whole agent step where a step starts', async () => {
    lsp.change(draftUri, [{ range: { start: pos(6, 0), end: pos(6, 0) }, text: '  - \n' }]);
    try {
      const items = await complete(draftUri, 6, 4);
      const step = items.find((x) => x.label === 'step (agent)');
      assert.deepEqual([step?.insertText, step?.insertTextFormat, step?.kind], ['id: ${1:agent}\naction: agent\ntools:\n  - ${2:filesystem.read}\nmax_turns: ${3:10}\nparameters:\n  prompt: "${4}"', 2, 15]);
      // with the other step snippets
      assert.deepEqual(items.filter((x) => x.label.startsWith('step (')).map((x) => x.label), ['step (action)', 'step (tool)', 'step (agent)']);
    } finally {
      lsp.change(draftUri, [{ range: { start: pos(6, 0), end: pos(7, 0) }, text: '' }]);
    }
  });

  it('an allow-list entry that changes things comes twice: as it is, and in its option form with approve: true', async () => {
    lsp.change(draftUri, [{ range: { start: pos(4, 0), end: pos(4, 4) }, text: '    tools:\n      - filesystem.w' }]);
    const items = await complete(draftUri, 5, 20);
    const byLabel = (l: string) => items.find((x) => x.label === l);
    const typed = range(5, 8, 20);
    const write = byLabel('filesystem.write')!;
    const approved = byLabel('{filesystem.write: {approve: true}}')!;
    assert.deepEqual(write.textEdit, { range: typed, newText: 'filesystem.write' });
    assert.deepEqual(
      { detail: approved.detail, filterText: approved.filterText, sortText: approved.sortText, textEdit: approved.textEdit, kind: approved.kind, doc: (approved.documentation as { value: string }).value },
      {
        detail: 'filesystem.write, each call approved by a person',
        filterText: 'filesystem.write',
        sortText: '0filesystem.write+approve',
        textEdit: { range: typed, newText: '{filesystem.write: {approve: true}}' },
        kind: write.kind,
        doc: 'It lets the model write files: with `approve: true` each call waits for a person to approve, deny or edit it.',
      },
    );
    // it sorts right after its plain form; an entry that changes nothing has no second form
    const order = items.map((i) => i.sortText ?? i.label).sort();
    assert.equal(order[order.indexOf('0filesystem.write') + 1], '0filesystem.write+approve');
    assert.ok(byLabel('filesystem.read') && !byLabel('{filesystem.read: {approve: true}}'));
    assert.deepEqual(
      items.filter((i) => i.label.startsWith('{filesystem')).map((i) => i.label).sort(),
      ['{filesystem.append: {approve: true}}', '{filesystem.copy: {approve: true}}', '{filesystem.delete: {approve: true}}', '{filesystem.move: {approve: true}}', '{filesystem.write: {approve: true}}', '{filesystem: {approve: true}}'],
    );
  });
});
