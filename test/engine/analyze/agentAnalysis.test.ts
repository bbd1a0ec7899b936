// The analyzer on agents (`action: agent` steps and the top-level `agents:` map): every entry of an
// allow-list names something that exists (tools, actions, declared MCP servers and their listed
// tools, pipeline files that compile, named agents), each finding on the entry's own characters with
// its did-you-mean; models that cannot call tools; agent keys on other steps; and the entries that let
// a model act with no person approving (OWASP LLM06), whose quick fix leaves a document without them.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze, type AnalyzeOptions } from '../../../engine/analyze/index';
import { toolSpecs } from '../../../engine/mcp/catalog';
import { LineIndex } from '../../../engine/parse/lineIndex';
import type { FindingFix } from '../../../engine/spec/types';
import { validateFile } from '../../../engine/cli/validateCommand';
import { compact, doc, type CompactFinding } from '../../helpers/findings';

const NO_USER_SERVERS: AnalyzeOptions = { mcp: { userServers: [], status: {} } };
const findings = (text: string, options: AnalyzeOptions = NO_USER_SERVERS): CompactFinding[] => analyze(text, options).findings.map(compact);

function apply(text: string, fixes: FindingFix[]): string {
  const lines = new LineIndex(text);
  const edits = fixes.flatMap((f) => f.edits).map((e) => ({ from: lines.offset(e.range.start), to: lines.offset(e.range.end), text: e.newText })).sort((a, b) => b.from - a.from);
  let out = text;
  for (const e of edits) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return out;
}

/** 'line:start-line:end' of the `nth` occurrence of `needle` on a line of `text` (it must be there). */
function span(text: string, line: number, needle: string, nth = 0): string {
  const l = text.split('\n')[line];
  let i = -1;
  for (let k = 0; k <= nth; k++) i = l.indexOf(needle, i + 1);
  assert.ok(i >= 0, `'${needle}' is not on line ${line}: ${l}`);
  return `${line}:${i}-${line}:${i + needle.length}`;
}

/** An agent step `triage` with the given allow-list lines (indented under `tools:`) and extra step lines. */
const agentDoc = (tools: string[], head: string[] = [], extra: string[] = []) =>
  doc('id: x', 'model: openai:gpt-4o-mini', ...head, 'steps:', '  - id: triage', '    action: agent', '    tools:', ...tools.map((t) => `      - ${t}`), '    parameters:', '      prompt: hi', ...extra);

describe('agents in the analyzer: the allow-list', () => {
  it('an unknown tool or action, an entry that names nothing, an unknown agent: each on its entry, with did-you-mean', () => {
    const text = agentDoc(
      ['filesytem.read', 'filesystem.reed', 'shell', 'frobnicate', '.read', '"mcp:"', 'filesystem.', 'mcp:files.', '{approve: true}', '{filesystem.read: null, http.get: null}', 'agent: workr', 'agent:wrker', '{pipeline: ""}', 'filesystem.read', 'agent: worker'],
      ['agents:', '  worker: {description: Reads files., tools: [filesystem.read]}', 'mcp_servers:', '  files: {command: node}'],
    );
    assert.deepEqual(findings(text), [
      ['agent.unknown-tool', 'error', "Unknown tool 'filesytem' in the allow-list of agent step 'triage'. Did you mean 'filesystem.read'?", '10:8-10:22'],
      ['agent.unknown-tool', 'error', "Tool 'filesystem' has no action 'reed'. Did you mean 'filesystem.read'? It has 'read', 'write', 'append', 'copy', 'move', 'delete', 'list', 'exists'; 'filesystem' alone allows them all.", '11:8-11:23'],
      ['agent.unknown-tool', 'error', "Unknown tool 'shell' in the allow-list of agent step 'triage'. Did you mean 'terminal'?", '12:8-12:13'],
      ['agent.unknown-tool', 'error', "Unknown tool 'frobnicate' in the allow-list of agent step 'triage'. The tools are filesystem, terminal, http, data, validation, pipeline, prompt-optimization, task-delegation, multi-model-routing, image-analysis, image-generation, data-processing, report-generator, pipeline-executor, mcp-server, mcp-memory, user-prompt, approval-gate, feedback-collection, web-search, python-executor, headless-browser, pdf-compiler, sql, object-storage, visualization.", '13:8-13:18'],
      ['agent.empty-entry', 'error', "'.read' names no tool before the dot: write 'TOOL.read'.", '14:8-14:13'],
      ['agent.empty-entry', 'error', "'mcp:' names no MCP server: write 'mcp:SERVER' (every tool of it) or 'mcp:SERVER.TOOL'.", '15:8-15:14'],
      ['agent.empty-entry', 'error', "'filesystem.' names no action after the dot: write 'filesystem.ACTION', or 'filesystem' for every action of the tool.", '16:8-16:19'],
      ['agent.empty-entry', 'error', "'mcp:files.' names no tool after the dot: write 'mcp:files.TOOL', or 'mcp:files' for every tool of the server.", '17:8-17:18'],
      ['agent.empty-entry', 'error', "This entry has options but names no tool: write 'TOOL.ACTION', 'TOOL', 'mcp:SERVER.TOOL', 'mcp:SERVER', 'pipeline: FILE' or 'agent: NAME'.", '18:8-18:23'],
      ['agent.empty-entry', 'error', "One entry names one tool, this one names 2 ('filesystem.read', 'http.get'): give each its own entry.", '19:8-19:47'],
      ['agent.unknown-agent', 'error', "No agent 'workr': the agents are 'worker'. Did you mean 'worker'?", '20:15-20:20'],
      ['agent.unknown-agent', 'error', "No agent 'wrker': the agents are 'worker'. Did you mean 'worker'?", '21:8-21:19'],
      ['agent.empty-entry', 'error', "This entry names no pipeline file: write 'pipeline: FILE'.", '22:19-22:21'],
    ]);
    // the suggestions replace the finding's range: the whole spelling, or the name after `agent:`
    const a = analyze(text, NO_USER_SERVERS);
    assert.deepEqual(a.findings.filter((f) => f.suggestions.length).map((f) => f.suggestions), [['filesystem.read'], ['filesystem.read'], ['terminal'], ['worker'], ['agent:worker']]);
  });

  it("a named agent's allow-list is checked as a step's, and an agent without one is not a finding", () => {
    const text = doc('id: x', 'model: openai:gpt-4o-mini', 'agents:', '  worker:', '    tools: [filesystem.read, web-serch.search]', '  idle: {description: Talks.}', 'steps:', '  - id: a', '    action: agent', '    tools: [agent: worker, agent: idle]', '    parameters: {prompt: hi}');
    assert.deepEqual(findings(text), [['agent.unknown-tool', 'error', "Unknown tool 'web-serch' in the allow-list of agent 'worker'. Did you mean 'web-search.search'?", '4:29-4:45']]);
  });

  it('MCP entries: the server must be declared, and a listed server must have the tool', () => {
    const tools = toolSpecs('files', [{ name: 'list', description: 'Lists a folder.', inputSchema: { type: 'object', properties: { dir: { type: 'string' } } } }]);
    const text = agentDoc(['{mcp:files.list: {approve: true}}', '{mcp:files.lst: {approve: true}}', '{mcp:fles: {approve: true}}', '{mcp:mine.x: {approve: true}}', '{mcp:docs.read: {approve: true}}', '{mcp:broken: {approve: true}}'], ['mcp_servers:', '  files: {command: node}', '  docs: {url: "http://127.0.0.1:1/mcp"}', '  broken: {command: nowhere}']);
    const options: AnalyzeOptions = { tools, mcp: { userServers: ['mine'], status: { files: { listed: true }, docs: { listed: false, reason: 'not listed yet', failed: false }, broken: { listed: false, reason: 'spawn nowhere ENOENT', failed: true } } } };
    assert.deepEqual(findings(text, options), [
      ['mcp.unknown-tool', 'error', "MCP server 'files' has no tool 'lst'. Did you mean 'mcp:files.list'? It has 'list'.", span(text, 11, 'mcp:files.lst')],
      ['mcp.unknown-server', 'error', "No MCP server 'fles': the declared servers are 'files', 'docs', 'broken', 'mine'. Did you mean 'mcp:files'?", span(text, 12, 'mcp:fles')],
      ['mcp.unchecked', 'info', "The tools of MCP server 'docs' are not known (not listed yet): whether it has 'read' is not checked.", span(text, 14, 'mcp:docs.read')],
      ['mcp.unchecked', 'warning', "The tools of MCP server 'broken' are not known (spawn nowhere ENOENT): the run will try to list them again.", span(text, 15, 'mcp:broken')],
    ]);
    // without the user's settings read, an undeclared server may be declared there
    assert.deepEqual(findings(agentDoc(['{mcp:mine: {approve: true}}']), {}), [
      ['mcp.unchecked', 'info', "MCP server 'mine' is not in this pipeline's 'mcp_servers' (it may be in your settings): this entry is not checked here.", span(agentDoc(['{mcp:mine: {approve: true}}']), 6, 'mcp:mine')],
    ]);
  });

  describe('pipeline: FILE', () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-agent-'));
      fs.writeFileSync(path.join(dir, 'report.pipeline.yaml'), doc('id: report', 'parameters:', '  topic: {type: string}', 'steps:', '  - {id: a, action: generate, parameters: {prompt: "{{ topic }}"}}'));
      fs.writeFileSync(path.join(dir, 'broken.pipeline.yaml'), doc('id: broken', 'steps:', '  - id: a', '    action: genrate'));
      fs.mkdirSync(path.join(dir, 'folder.pipeline.yaml'));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const text = () => agentDoc(['pipeline: report.pipeline.yaml', 'pipeline: missing.pipeline.yaml', 'pipeline:broken.pipeline.yaml', 'pipeline: folder.pipeline.yaml']);

    it('a file that is not there, is a folder or does not compile is an error on its name; one that compiles is not', () => {
      assert.deepEqual(findings(text(), { ...NO_USER_SERVERS, pipelineFile: path.join(dir, 'main.pipeline.yaml') }), [
        ['agent.pipeline-file', 'error', `No pipeline file 'missing.pipeline.yaml' (looked for ${path.join(dir, 'missing.pipeline.yaml')}).`, '7:18-7:39'],
        ['agent.pipeline-file', 'error', "The pipeline file 'broken.pipeline.yaml' does not compile: broken.pipeline.yaml:4:13: Unknown action 'genrate'. Did you mean 'generate'? Built-in actions: generate, generate_structured, analyze_text, evaluate_condition, agent, embed; other actions need a 'tool'.", '8:8-8:37'],
        ['agent.pipeline-file', 'error', "'folder.pipeline.yaml' is a folder, not a pipeline file.", '9:18-9:38'],
      ]);
    });

    it('without the pipeline\'s own file (an unsaved document), the files are not looked for', () => {
      assert.deepEqual(findings(text()), []);
    });

    it('a file fixed on disk is read again; `orc validate` reads the files beside the pipeline', () => {
      const main = path.join(dir, 'main.pipeline.yaml');
      fs.writeFileSync(main, doc('id: main', 'model: openai:gpt-4o-mini', 'steps:', '  - id: a', '    action: agent', '    tools: [pipeline: broken.pipeline.yaml]', '    parameters: {prompt: hi}'));
      assert.deepEqual(validateFile(main).report.findings.map(compact), [
        ['agent.pipeline-file', 'error', "The pipeline file 'broken.pipeline.yaml' does not compile: broken.pipeline.yaml:4:13: Unknown action 'genrate'. Did you mean 'generate'? Built-in actions: generate, generate_structured, analyze_text, evaluate_condition, agent, embed; other actions need a 'tool'.", '5:22-5:42'],
      ]);
      fs.writeFileSync(path.join(dir, 'broken.pipeline.yaml'), doc('id: broken', 'steps:', '  - id: a', '    action: generate', '    parameters: {prompt: hi}'));
      assert.deepEqual(validateFile(main).report, { file: main, valid: true, findings: [] });
    });
  });
});

describe('agents in the analyzer: models, keys, parameters, results', () => {
  it('a model the registry says cannot call tools is a warning where the model is chosen; one it does not list is not judged', () => {
    const text = doc(
      'id: x',
      'model: huggingface:Qwen/Qwen2.5-Coder-32B-Instruct',
      'experts:',
      '  coder: huggingface:Qwen/Qwen2.5-Coder-32B-Instruct',
      '  caller: openai:gpt-4o',
      'agents:',
      '  embedder: {model: openai:text-embedding-3-small}',
      '  helper: {expert: coder}',
      '  fine: {model: "openai:my-fine-tune"}',
      '  nobody: {expert: nobody, personality: grumpy}',
      'steps:',
      '  - {id: own, action: agent, model: [openai:gpt-4o, ollama:nomic-embed-text], parameters: {prompt: hi}}',
      '  - {id: by_expert, action: agent, expert: coder, parameters: {prompt: hi}}',
      '  - {id: by_pipeline, action: agent, parameters: {prompt: hi}}',
      '  - {id: by_parameter, action: agent, model: openai:gpt-4o, parameters: {prompt: hi, model: "huggingface:Qwen/Qwen2.5-Coder-32B-Instruct"}}',
      '  - {id: capable, action: agent, expert: caller, parameters: {prompt: hi}}',
      '  - {id: not_an_agent, action: generate, parameters: {prompt: hi}}',
    );
    assert.deepEqual(findings(text), [
      ['agent.model-without-tools', 'warning', "Model 'openai:text-embedding-3-small' cannot call tools (its capabilities in the model registry: embeddings): agent 'embedder' needs a model with the 'tools' capability.", span(text, 6, 'openai:text-embedding-3-small')],
      ['agent.model-without-tools', 'warning', "Expert 'coder' is model 'huggingface:Qwen/Qwen2.5-Coder-32B-Instruct', which cannot call tools (its capabilities in the model registry: json_mode): agent 'helper' needs a model with the 'tools' capability.", span(text, 7, 'coder')],
      ['expert.unknown', 'error', "No expert 'nobody': the experts are 'coder', 'caller'.", span(text, 9, 'nobody', 1)],
      ['personality.unknown', 'error', "No personality 'grumpy': the pipeline declares no 'personalities'.", span(text, 9, 'grumpy')],
      ['agent.model-without-tools', 'warning', "Model 'ollama:nomic-embed-text' cannot call tools (its capabilities in the model registry: embeddings): agent step 'own' needs a model with the 'tools' capability.", span(text, 11, 'ollama:nomic-embed-text')],
      ['agent.model-without-tools', 'warning', "Expert 'coder' is model 'huggingface:Qwen/Qwen2.5-Coder-32B-Instruct', which cannot call tools (its capabilities in the model registry: json_mode): agent step 'by_expert' needs a model with the 'tools' capability.", span(text, 12, 'coder')],
      ['agent.model-without-tools', 'warning', "Agent step 'by_pipeline' runs on the pipeline's model 'huggingface:Qwen/Qwen2.5-Coder-32B-Instruct', which cannot call tools (its capabilities in the model registry: json_mode): give the step a 'model:' that has the 'tools' capability.", span(text, 13, 'agent')],
      ['agent.model-without-tools', 'warning', "Model 'huggingface:Qwen/Qwen2.5-Coder-32B-Instruct' cannot call tools (its capabilities in the model registry: json_mode): agent step 'by_parameter' needs a model with the 'tools' capability.", span(text, 14, '"huggingface:Qwen/Qwen2.5-Coder-32B-Instruct"')],
    ]);
  });

  it("agent keys on a step that is not an agent are warnings on the key; an agent step's own are not", () => {
    const text = doc(
      'id: x',
      'model: openai:gpt-4o-mini',
      'steps:',
      '  - id: a',
      '    action: generate',
      '    tools: [filesystem.read]',
      '    max_turns: 3',
      '    max_tool_calls: 9',
      '    budget: {max_tokens: 100}',
      '    on_limit: answer',
      '    parallel_tool_calls: false',
      '    parameters: {prompt: hi}',
      '  - id: each',
      '    for_each: [1, 2]',
      '    max_turns: 2',
      '    steps:',
      '      - {id: inner, tool: filesystem, action: read, parameters: {path: a}, tools: [http.get]}',
      '  - {id: agent, action: agent, tools: [http.get], max_turns: 3, max_tool_calls: 9, budget: {max_cost_usd: 1}, on_limit: answer, parallel_tool_calls: false, parameters: {prompt: hi}}',
    );
    const ignored = (k: string, s: string, line: number): CompactFinding => ['agent.option-without-agent', 'warning', `'${k}' applies to agent steps ('action: agent'); step '${s}' is not one, so it is ignored.`, span(text, line, k)];
    assert.deepEqual(findings(text), [
      ignored('tools', 'a', 5),
      ignored('max_turns', 'a', 6),
      ignored('max_tool_calls', 'a', 7),
      ignored('on_limit', 'a', 9),
      ignored('parallel_tool_calls', 'a', 10),
      // a model step's budget is its own (docs/guardrails.md): under it, each call is reserved for its max_tokens
      ['budget.no-max-tokens', 'info', "Step 'a' sets no max_tokens: under a budget each of its calls is reserved for 4096 tokens out. Give it 'max_tokens' in its parameters to reserve what it needs.", span(text, 11, 'parameters')],
      ignored('max_turns', 'each', 14),
      ignored('tools', 'inner', 16),
    ]);
  });

  it('an agent step needs a prompt, and the schema names wrong limits and options plainly', () => {
    const text = doc(
      'id: x',
      'model: openai:gpt-4o-mini',
      'steps:',
      '  - id: a',
      '    action: agent',
      '    on_limit: answr',
      '    max_turns: 0',
      '    budget: {max_cost: 1}',
      '    parallel_tool_calls: "yes"',
      '    tools:',
      '      - {filesystem.read: {aprove: true}}',
      '      - {filesystem.list: yes}',
      '      - 42',
      '    parameters: {instructions: Be brief.}',
    );
    assert.deepEqual(findings(text), [
      ['param.missing', 'error', "'agent' needs the parameter 'prompt'.", '13:4-13:14'],
      ['schema.enum', 'error', "'answr' is not allowed: use one of 'fail', 'answer'. Did you mean 'answer'?", '5:14-5:19'],
      ['schema.range', 'error', "'max_turns' must be at least 1, got 0.", '6:15-6:16'],
      ['schema.unknown-key', 'error', "Unknown key 'max_cost' in 'budget'. Did you mean 'max_cost_usd'?", '7:13-7:21'],
      ['schema.type', 'error', "Expected true or false, got 'yes'.", span(text, 8, '"yes"')],
      ['schema.unknown-key', 'error', "Unknown key 'aprove' in options of an allowed tool. Did you mean 'approve'?", '10:27-10:33'],
      ['schema.type', 'error', "Expected a mapping, got 'yes'.", span(text, 11, 'yes')],
      ['schema.type', 'error', 'Expected a string or a mapping, got 42.', '12:8-12:10'],
    ].sort((x, y) => Number(x[3].split(':')[0]) - Number(y[3].split(':')[0])) as CompactFinding[]);
  });

  it("an agent step's result fields are known to templates: a misspelt one is an error with did-you-mean", () => {
    const text = doc(
      'id: x',
      'model: openai:gpt-4o-mini',
      'steps:',
      '  - id: triage',
      '    action: agent',
      '    tools: [filesystem.read]',
      '    vars: {x: {type: string}}',
      '    parameters: {prompt: hi}',
      '  - id: after',
      '    action: generate',
      '    dependencies: [triage]',
      '    parameters:',
      '      prompt: "{{ triage.result.answer }} {{ triage.result.stop_reason }} {{ triage.result.turns }} {{ triage.result.tool_calls | length }} {{ triage.vars.x }} {{ triage.answer }} {{ triage.result.anwser }}"',
    );
    assert.deepEqual(findings(text), [
      ['template.unknown-result-field', 'error', "The result of 'agent' has no field 'anwser': it has 'answer', 'vars', 'stop_reason', 'turns', 'tool_calls', 'transcript'. Did you mean 'answer'?", span(text, 12, 'anwser')],
    ]);
  });
});

describe('agents in the analyzer: excessive agency (OWASP LLM06)', () => {
  const RISKY = [
    'terminal',
    'terminal.execute',
    '"python-executor"',
    'sql.query',
    'sql.execute',
    'sql',
    'filesystem',
    'filesystem.write',
    'filesystem.append',
    'filesystem.delete',
    'filesystem.move',
    'filesystem.copy',
    'mcp:files',
    'mcp:files.list',
  ];
  const SAFE = ['filesystem.read', 'filesystem.list', 'http.get', 'data', 'agent: worker', '{terminal: {approve: true}}', '{mcp:files: {approve: true, timeout: 5}}'];
  const text = agentDoc([...RISKY, ...SAFE], ['mcp_servers:', '  files: {command: node}', 'agents:', '  worker:', '    tools:', '      - python-executor.execute', '      - {filesystem.write: {timeout: 30}}', '      - filesystem.delete:', '          timeout: 5', '          # kept', '      - {filesystem.move: null, approve: false}']);

  it('warns on each entry that acts with no person approving, on its own characters', () => {
    const warn = (entry: string, owner: string, what: string, line: number, needle = entry): CompactFinding => ['agent.unapproved-tool', 'warning', `'${entry}' lets the model of ${owner} ${what}, with no person approving the calls (excessive agency, OWASP LLM06): add 'approve: true' so each call waits for a yes.`, span(text, line, needle)];
    const w = "agent 'worker'";
    const s = "agent step 'triage'";
    assert.deepEqual(findings(text), [
      warn('python-executor.execute', w, 'run Python code', 7),
      warn('filesystem.write', w, 'write files', 8),
      warn('filesystem.delete', w, 'delete files', 9),
      warn('filesystem.move', w, 'move files', 12),
      warn('terminal', s, 'run shell commands', 17),
      warn('terminal.execute', s, 'run shell commands', 18),
      warn('python-executor', s, 'run Python code', 19, '"python-executor"'),
      warn('sql.query', s, 'run any SQL statement (a query runs a DELETE as readily as a SELECT)', 20),
      warn('sql.execute', s, 'change data and schemas with SQL', 21),
      warn('sql', s, 'change data and schemas with SQL', 22),
      warn('filesystem', s, 'write, move and delete files', 23),
      warn('filesystem.write', s, 'write files', 24),
      warn('filesystem.append', s, 'append to files', 25),
      warn('filesystem.delete', s, 'delete files', 26),
      warn('filesystem.move', s, 'move files', 27),
      warn('filesystem.copy', s, 'copy files over others', 28),
      warn('mcp:files', s, "call every tool of MCP server 'files', whose effects this pipeline cannot see", 29),
      warn('mcp:files.list', s, "call tool 'list' of MCP server 'files', whose effects this pipeline cannot see", 30),
    ]);
  });

  it('the quick fix rewrites each entry to ask for approval, touching nothing else; the document is then clean', () => {
    const fixes = analyze(text, NO_USER_SERVERS).findings.flatMap((f) => f.fixes ?? []);
    assert.equal(fixes.length, 18);
    assert.equal(fixes[0].title, "Ask a person to approve each call of 'python-executor.execute' (approve: true)");
    const fixed = apply(text, fixes);
    assert.equal(
      fixed,
      agentDoc(
        [...RISKY.map((e) => `{${e.replace(/"/g, '')}: {approve: true}}`), ...SAFE],
        ['mcp_servers:', '  files: {command: node}', 'agents:', '  worker:', '    tools:', '      - {python-executor.execute: {approve: true}}', '      - {filesystem.write: {approve: true, timeout: 30}}', '      - filesystem.delete:', '          approve: true', '          timeout: 5', '          # kept', '      - {filesystem.move: null, approve: true}'],
      ),
    );
    const after = analyze(fixed, NO_USER_SERVERS);
    assert.deepEqual(after.findings, []);
    // the same allow-lists, each entry now approved
    const before = analyze(text, NO_USER_SERVERS).pipeline!;
    const spell = (p: typeof before) => [...p.steps[0].agent!.tools, ...p.agents!.worker.tools].map((e) => [e.spelling, e.timeout]);
    assert.deepEqual(spell(after.pipeline!), spell(before));
    assert.ok([...after.pipeline!.steps[0].agent!.tools.slice(0, RISKY.length), ...after.pipeline!.agents!.worker.tools].every((e) => e.approve));
  });

  it('a flow list, an empty options mapping and a key with no value get the approval too', () => {
    const flow = doc('id: x', 'model: openai:gpt-4o-mini', 'steps:', '  - id: a', '    action: agent', '    tools: [terminal, "sql.execute", {filesystem.write: {}}, {filesystem.copy: }, http.get]', '    parameters: {prompt: hi}');
    const block = doc('id: x', 'model: openai:gpt-4o-mini', 'steps:', '  - id: a', '    action: agent', '    tools:', '      - filesystem.delete:', '      - http.get', '    parameters: {prompt: hi}');
    const fix = (t: string) => apply(t, analyze(t, NO_USER_SERVERS).findings.flatMap((f) => f.fixes ?? []));
    assert.equal(fix(flow), flow.replace('[terminal, "sql.execute", {filesystem.write: {}}, {filesystem.copy: }, http.get]', '[{terminal: {approve: true}}, {sql.execute: {approve: true}}, {filesystem.write: {approve: true}}, {filesystem.copy: {approve: true}}, http.get]'));
    assert.equal(fix(block), block.replace('- filesystem.delete:', '- {filesystem.delete: {approve: true}}'));
    assert.deepEqual(analyze(fix(flow), NO_USER_SERVERS).findings, []);
    assert.deepEqual(analyze(fix(block), NO_USER_SERVERS).findings, []);
  });
});
