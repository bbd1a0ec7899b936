// Function calling on every provider wire, through the real SDKs against the loopback server
// (test/fixtures/providers/loopbackServer.ts): the exact request bodies an agent's turns send
// (tools declared, the model's calls sent back, one result per call), streamed calls assembled,
// and whole `action: agent` pipelines where the wire decides what the agent does next.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../../engine/analyze/index';
import { createModelRunner, ProviderModelRunner } from '../../../engine/models/index';
import type { ChatRequest, ChatResponse } from '../../../engine/models/modelRunner';
import type { ChatMessage, ToolDecl, ToolResultMessage, WireToolCall } from '../../../engine/models/provider';
import type { ResultDocument, RunEvent } from '../../../engine/run/events';
import { runPipeline } from '../../../engine/run/runPipeline';
import { LoopbackProviders, type Scripted } from '../../fixtures/providers/loopbackServer';

let srv: LoopbackProviders;
let dir: string;

const FAST = { baseDelayMs: 5, maxDelayMs: 50, windowMs: 1000 };

function env(): NodeJS.ProcessEnv {
  return {
    OPENAI_API_KEY: 'sk-test-openai-1234567890',
    OPENAI_BASE_URL: `${srv.origin}/v1`,
    ANTHROPIC_API_KEY: 'sk-ant-test-1234567890',
    ANTHROPIC_BASE_URL: srv.origin,
    GEMINI_API_KEY: 'gm-test-1234567890',
    GOOGLE_GEMINI_BASE_URL: srv.origin,
    OLLAMA_BASE_URL: `${srv.origin}/ollama/v1`,
    HF_TOKEN: 'hf_test_1234567890',
    HUGGINGFACE_BASE_URL: `${srv.origin}/hf/v1`,
    OPENAI_COMPATIBLE_API_KEY: 'compat-key-1234567890',
    OPENAI_COMPATIBLE_BASE_URL: `${srv.origin}/compat/v1`,
  };
}

/** Three tools with the names an agent gives them on the wire (a hyphen is kept). */
const TOOLS: ToolDecl[] = [
  { name: 'filesystem_read', description: 'Reads a file.', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false } },
  { name: 'mcp__files__list', description: 'Lists a folder.', parameters: { type: 'object', properties: { dir: { type: 'string' } } } },
  { name: 'web-search', description: 'Searches the web.', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } },
];

const PROMPT = 'Find the bugs.';
const SYSTEM = 'Be brief.';

let texts: string[] = [];

function ask(runner: ProviderModelRunner, model: string, messages: ChatMessage[], o: Partial<ChatRequest> = {}): Promise<ChatResponse> {
  return runner.chat({ model, system: SYSTEM, messages, tools: TOOLS, parallelToolCalls: true, toolChoice: 'auto', schema: null, maxTokens: null, temperature: null, stream: false, signal: new AbortController().signal, onText: (c) => texts.push(c), ...o });
}

/** What the agent answers each call: the second call of a turn failed (an error result), the others succeeded. */
function resultsFor(calls: WireToolCall[]): ToolResultMessage {
  return {
    role: 'tool',
    results: calls.map((c, i) => ({ id: c.id, name: c.name, content: i === 1 ? `${c.name} failed: no such folder` : `result of ${c.id}`, isError: i === 1, ...(c.generatedId ? { generatedId: true as const } : {}) })),
  };
}

/** Two turns: the model asks for `first`'s calls, gets their results, then answers. */
async function exchange(model: string, first: Scripted, o: Partial<ChatRequest> = {}): Promise<{ a1: ChatResponse; a2: ChatResponse; bodies: Record<string, unknown>[]; messages: ChatMessage[] }> {
  const runner = new ProviderModelRunner({ env: env(), resilience: FAST });
  srv.script.push(first, { text: 'Two bugs.' });
  const messages: ChatMessage[] = [{ role: 'user', content: PROMPT }];
  const a1 = await ask(runner, model, messages, o);
  messages.push(a1.message, resultsFor(a1.toolCalls));
  const a2 = await ask(runner, model, messages, o);
  return { a1, a2, bodies: srv.requests.map((r) => r.body), messages };
}

const THREE_CALLS: Scripted['toolCalls'] = [
  { id: 'call_a', name: 'filesystem_read', arguments: { path: 'src/main.ts' } },
  { id: 'call_b', name: 'mcp__files__list', arguments: { dir: 'src/very/long/folder/name' } },
  { id: 'call_c', name: 'web-search', arguments: { q: 'TypeError: x is "undefined"' } },
];

const wired = (id: string, name: string, args: Record<string, unknown>): WireToolCall => ({ id, name, arguments: args, argumentsText: JSON.stringify(args) });
const THREE_WIRED = [wired('call_a', 'filesystem_read', { path: 'src/main.ts' }), wired('call_b', 'mcp__files__list', { dir: 'src/very/long/folder/name' }), wired('call_c', 'web-search', { q: 'TypeError: x is "undefined"' })];

/** One agent step allowed to read files, on `model`: `keys` are more keys of the step (YAML lines), `params` more of its parameters (flow style). */
function reader(model: string, keys = '', params = ''): string {
  return `id: p\nmodel: ${model}\nsteps:\n  - id: s\n    action: agent\n    tools: [filesystem.read]\n${keys.split('\n').filter(Boolean).map((k) => `    ${k}\n`).join('')}    parameters: {prompt: Read notes.txt${params ? `, ${params}` : ''}}\n`;
}

async function run(yaml: string, models = createModelRunner({ env: env(), resilience: FAST })): Promise<{ doc: ResultDocument; events: RunEvent[] }> {
  const a = analyze(yaml);
  assert.deepEqual(a.findings.filter((f) => f.severity === 'error').map((f) => f.message), []);
  const events: RunEvent[] = [];
  const doc = await runPipeline(a, { cwd: dir, source: yaml, checkpoint: false, random: () => 0.5, models, listeners: [(e) => events.push(e)] });
  return { doc, events };
}

/** An agent step whose answer is shaped by `vars` (a structured last call). */
const STRUCTURED = (model: string) => `id: p
model: ${model}
steps:
  - id: s
    action: agent
    tools: [filesystem.read]
    vars: {title: The title.}
    parameters: {prompt: Name it., stream: false}
`;

function agentResult(doc: ResultDocument, step: string): { answer: string | null; stop_reason: string; turns: number; tool_calls: { id: string; tool: string; arguments: unknown; result?: unknown; error?: string; status: string; turn: number }[] } {
  return doc.steps[step].result as ReturnType<typeof agentResult>;
}

beforeEach(async () => {
  srv = await new LoopbackProviders().start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-agent-wire-'));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'three bugs: a, b, c');
  texts = [];
});
afterEach(async () => {
  await srv.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('agent wire: OpenAI Chat Completions', () => {
  const OPENAI_TOOLS = TOOLS.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
  const SENT_BACK = [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: PROMPT },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_a', type: 'function', function: { name: 'filesystem_read', arguments: '{"path":"src/main.ts"}' } },
        { id: 'call_b', type: 'function', function: { name: 'mcp__files__list', arguments: '{"dir":"src/very/long/folder/name"}' } },
        { id: 'call_c', type: 'function', function: { name: 'web-search', arguments: '{"q":"TypeError: x is \\"undefined\\""}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_a', content: 'result of call_a' },
    { role: 'tool', tool_call_id: 'call_b', content: 'Error: mcp__files__list failed: no such folder' },
    { role: 'tool', tool_call_id: 'call_c', content: 'result of call_c' },
  ];

  it('declares the tools, sends three parallel calls back with one tool message each, an error result marked (not streamed)', async () => {
    const { a1, a2, bodies } = await exchange('openai:gpt-4o-mini', { toolCalls: THREE_CALLS });
    assert.deepEqual(srv.requests.map((r) => r.path), ['/v1/chat/completions', '/v1/chat/completions']);
    assert.deepEqual(bodies[0], { model: 'gpt-4o-mini', messages: SENT_BACK.slice(0, 2), tools: OPENAI_TOOLS });
    assert.deepEqual(a1.toolCalls, THREE_WIRED);
    assert.equal(a1.text, '');
    assert.deepEqual(bodies[1], { model: 'gpt-4o-mini', messages: SENT_BACK, tools: OPENAI_TOOLS });
    assert.equal(a2.text, 'Two bugs.');
    assert.deepEqual(a2.toolCalls, []);
  });

  it('streams: argument pieces assembled by index and id, the text before the calls kept, the same messages sent back', async () => {
    const { a1, bodies } = await exchange('openai:gpt-4o-mini', { text: 'Let me look.', chunks: ['Let ', 'me look.'], toolCalls: THREE_CALLS }, { stream: true });
    assert.deepEqual(bodies[0], { model: 'gpt-4o-mini', messages: SENT_BACK.slice(0, 2), tools: OPENAI_TOOLS, stream: true, stream_options: { include_usage: true } });
    assert.deepEqual(a1.toolCalls, THREE_WIRED);
    assert.equal(a1.text, 'Let me look.');
    assert.deepEqual(texts, ['Let ', 'me look.', 'Two ', 'bugs.']);
    const messages: Record<string, unknown>[] = [...SENT_BACK];
    messages[2] = { ...SENT_BACK[2], content: 'Let me look.' };
    assert.deepEqual(bodies[1], { model: 'gpt-4o-mini', messages, tools: OPENAI_TOOLS, stream: true, stream_options: { include_usage: true } });
  });

  it('assembles a stream whose tool-call deltas carry no index at all, by id and order', async () => {
    const { a1, bodies } = await exchange('openai:gpt-4o-mini', { toolCalls: THREE_CALLS, noIndex: true }, { stream: true });
    assert.deepEqual(a1.toolCalls, THREE_WIRED);
    assert.deepEqual((bodies[1].messages as unknown[]).slice(2), SENT_BACK.slice(2));
  });

  it("assembles Ollama's stream (every call at index 0, told apart by id) through the ollama: provider", async () => {
    const { a1, bodies } = await exchange('ollama:llama3.2', { toolCalls: THREE_CALLS, ollamaIndexZero: true }, { stream: true });
    assert.deepEqual(srv.requests.map((r) => r.path), ['/ollama/v1/chat/completions', '/ollama/v1/chat/completions']);
    assert.deepEqual(a1.toolCalls, THREE_WIRED);
    assert.deepEqual(bodies[1], { model: 'llama3.2', messages: SENT_BACK, tools: OPENAI_TOOLS, stream: true, stream_options: { include_usage: true } });
  });

  it('a server that gives no ids: each whole call at index 0 is a call of its own, with an id of ours unique in the step, sent back', async () => {
    const calls = THREE_CALLS!.map(({ id: _, ...c }) => c);
    const runner = new ProviderModelRunner({ env: env(), resilience: FAST });
    srv.script.push({ toolCalls: calls, ollamaIndexZero: true, noIds: true }, { toolCalls: calls.slice(0, 1), noIds: true }, { text: 'Done.' });
    const messages: ChatMessage[] = [{ role: 'user', content: PROMPT }];
    const a1 = await ask(runner, 'ollama:llama3.2', messages, { stream: true });
    const ours = (id: string, c: WireToolCall): WireToolCall => ({ ...c, id, generatedId: true });
    assert.deepEqual(a1.toolCalls, [ours('call_1_1', THREE_WIRED[0]), ours('call_1_2', THREE_WIRED[1]), ours('call_1_3', THREE_WIRED[2])]);
    messages.push(a1.message, resultsFor(a1.toolCalls));
    const a2 = await ask(runner, 'ollama:llama3.2', messages);
    assert.deepEqual(a2.toolCalls, [ours('call_2_1', THREE_WIRED[0])]);
    messages.push(a2.message, resultsFor(a2.toolCalls));
    await ask(runner, 'ollama:llama3.2', messages);
    const sent = srv.requests[2].body.messages as { role: string; tool_calls?: { id: string }[]; tool_call_id?: string }[];
    assert.deepEqual(sent.map((m) => [m.role, m.tool_calls?.map((c) => c.id) ?? m.tool_call_id ?? null]), [
      ['system', null], ['user', null], ['assistant', ['call_1_1', 'call_1_2', 'call_1_3']], ['tool', 'call_1_1'], ['tool', 'call_1_2'], ['tool', 'call_1_3'], ['assistant', ['call_2_1']], ['tool', 'call_2_1'],
    ]);
  });

  it('sends parallel_tool_calls: false when the step says parallel_tool_calls: false, and nothing when it does not', async () => {
    srv.script.push({ toolCalls: [{ id: 'call_1', name: 'filesystem_read', arguments: { path: 'notes.txt' } }] }, { text: 'Read it.' }, { toolCalls: [{ id: 'call_2', name: 'filesystem_read', arguments: { path: 'notes.txt' } }] }, { text: 'Read it again.' });
    const { doc } = await run(`id: p
model: openai:gpt-4o-mini
steps:
  - id: one
    action: agent
    tools: [filesystem.read]
    parallel_tool_calls: false
    parameters: {prompt: Read notes.txt, stream: false}
  - id: two
    action: agent
    depends_on: [one]
    tools: [filesystem.read]
    parameters: {prompt: Read notes.txt, stream: false}
`);
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps));
    const bodies = srv.requests.map((r) => r.body);
    assert.equal(bodies.length, 4);
    assert.equal(bodies[0].parallel_tool_calls, false);
    assert.equal(bodies[1].parallel_tool_calls, false);
    assert.ok(!('parallel_tool_calls' in bodies[2]));
    assert.ok(!('parallel_tool_calls' in bodies[3]));
    assert.deepEqual((bodies[0].tools as { function: { name: string } }[]).map((t) => t.function.name), ['filesystem_read']);
    assert.equal(agentResult(doc, 'one').answer, 'Read it.');
    assert.equal(agentResult(doc, 'two').answer, 'Read it again.');
  });

  it('on_limit: answer after max_turns: 1 asks once more declaring no tools, the refused call answered', async () => {
    srv.script.push({ toolCalls: [{ id: 'call_1', name: 'filesystem_read', arguments: { path: 'notes.txt' } }] }, { text: 'Out of turns.' });
    const { doc } = await run(reader('openai:gpt-4o-mini', 'max_turns: 1\non_limit: answer\nparallel_tool_calls: false', 'stream: false'));
    const r = agentResult(doc, 's');
    assert.deepEqual([r.stop_reason, r.answer, r.turns], ['max_turns', 'Out of turns.', 2]);
    assert.deepEqual(srv.requests[1].body, {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: 'Read notes.txt' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'filesystem_read', arguments: '{"path":"notes.txt"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'Error: Not run: this was the last turn the agent may take (max_turns).' },
        { role: 'user', content: "You have reached this task's limit: max_turns (1 model call). No more tools can be called. Give your final answer now, from what you have found." },
      ],
    });
  });

  for (const stream of [false, true]) {
    it(`answers arguments that are not JSON with an error result, the call's status error (${stream ? 'streamed' : 'not streamed'})`, async () => {
      const bad = '{"path": "notes.txt"';
      let why = '';
      try {
        JSON.parse(bad);
      } catch (e) {
        why = (e as Error).message;
      }
      srv.script.push({ toolCalls: [{ id: 'call_bad', name: 'filesystem_read', arguments: bad }, { id: 'call_ok', name: 'filesystem_read', arguments: { path: 'notes.txt' } }] }, { text: 'One file read.' });
      const { doc } = await run(reader('openai:gpt-4o-mini', '', `stream: ${stream}`));
      assert.equal(doc.status, 'completed', JSON.stringify(doc.steps));
      const r = agentResult(doc, 's');
      const error = `Not run: the arguments are not valid JSON (${why}). Call filesystem_read again with a JSON object.`;
      assert.deepEqual(
        r.tool_calls.map((c) => ({ id: c.id, tool: c.tool, status: c.status, error: c.error, arguments: c.arguments })),
        [
          { id: 'call_bad', tool: 'filesystem.read', status: 'error', error, arguments: bad },
          { id: 'call_ok', tool: 'filesystem.read', status: 'ok', error: undefined, arguments: { path: 'notes.txt' } },
        ],
      );
      assert.equal(r.answer, 'One file read.');
      const sent = (srv.requests[1].body.messages as Record<string, unknown>[]).slice(1);
      assert.deepEqual(sent[0], {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_bad', type: 'function', function: { name: 'filesystem_read', arguments: bad } },
          { id: 'call_ok', type: 'function', function: { name: 'filesystem_read', arguments: '{"path":"notes.txt"}' } },
        ],
      });
      assert.deepEqual(sent.slice(1, 3), [
        { role: 'tool', tool_call_id: 'call_bad', content: `Error: ${error}` },
        { role: 'tool', tool_call_id: 'call_ok', content: JSON.stringify(r.tool_calls[1].result) },
      ]);
      assert.equal(JSON.parse(sent[2].content as string).content, 'three bugs: a, b, c');
    });
  }
});

describe('agent wire: Anthropic Messages', () => {
  const ANTHROPIC_TOOLS = TOOLS.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters }));
  const BLOCKS = [
    { type: 'text', text: 'Let me look.' },
    { type: 'tool_use', id: 'call_a', name: 'filesystem_read', input: { path: 'src/main.ts' } },
    { type: 'tool_use', id: 'call_b', name: 'mcp__files__list', input: { dir: 'src/very/long/folder/name' } },
    { type: 'tool_use', id: 'call_c', name: 'web-search', input: { q: 'TypeError: x is "undefined"' } },
  ];
  const RESULTS = {
    role: 'user',
    content: [
      { type: 'tool_result', tool_use_id: 'call_a', content: 'result of call_a' },
      { type: 'tool_result', tool_use_id: 'call_b', content: 'mcp__files__list failed: no such folder', is_error: true },
      { type: 'tool_result', tool_use_id: 'call_c', content: 'result of call_c' },
    ],
  };

  for (const stream of [false, true]) {
    it(`declares input_schema tools, sends the blocks back unchanged and every result in one user message (${stream ? 'streamed' : 'not streamed'})`, async () => {
      const { a1, a2, bodies } = await exchange('anthropic:claude-haiku-4-5', { text: 'Let me look.', chunks: ['Let ', 'me look.'], toolCalls: THREE_CALLS }, { stream });
      const head = { model: 'claude-haiku-4-5', max_tokens: 4096, system: SYSTEM, tools: ANTHROPIC_TOOLS, ...(stream ? { stream: true } : {}) };
      assert.deepEqual(srv.requests.map((r) => r.path), ['/v1/messages', '/v1/messages']);
      assert.deepEqual(bodies[0], { ...head, messages: [{ role: 'user', content: PROMPT }] });
      assert.deepEqual(a1.toolCalls, THREE_WIRED);
      assert.equal(a1.text, 'Let me look.');
      assert.deepEqual(bodies[1], { ...head, messages: [{ role: 'user', content: PROMPT }, { role: 'assistant', content: BLOCKS }, RESULTS] });
      assert.equal(a2.text, 'Two bugs.');
      if (stream) assert.deepEqual(texts, ['Let ', 'me look.', 'Two ', 'bugs.']);
    });
  }

  it('sends disable_parallel_tool_use when the calls are not parallel', async () => {
    const runner = new ProviderModelRunner({ env: env(), resilience: FAST });
    srv.script.push({ toolCalls: THREE_CALLS!.slice(0, 1) });
    const a = await ask(runner, 'anthropic:claude-haiku-4-5', [{ role: 'user', content: PROMPT }], { parallelToolCalls: false, stream: true });
    assert.deepEqual(a.toolCalls, THREE_WIRED.slice(0, 1));
    assert.deepEqual(srv.requests[0].body.tool_choice, { type: 'auto', disable_parallel_tool_use: true });
  });

  it('streamed input that is not JSON: the call is answered with an error, the block sent back with an empty input', async () => {
    srv.script.push({ toolCalls: [{ id: 'toolu_bad', name: 'filesystem_read', arguments: '{"path": "notes' }] }, { text: 'Gave up.' });
    const { doc } = await run(reader('anthropic:claude-haiku-4-5'));
    const r = agentResult(doc, 's');
    assert.equal(r.tool_calls[0].status, 'error');
    assert.equal(r.tool_calls[0].arguments, '{"path": "notes');
    assert.equal(r.tool_calls[0].error, 'Not run: the arguments are not valid JSON. Call filesystem_read again with a JSON object.');
    const messages = srv.requests[1].body.messages as unknown[];
    assert.deepEqual(messages.slice(1), [
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_bad', name: 'filesystem_read', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_bad', content: r.tool_calls[0].error, is_error: true }] },
    ]);
  });

  it("on_limit: answer after max_turns: 1 asks once more with tool_choice none, the tools still declared", async () => {
    srv.script.push({ text: 'Reading.', toolCalls: [{ id: 'toolu_1', name: 'filesystem_read', arguments: { path: 'notes.txt' } }] }, { text: 'I could not read it in time.' });
    const { doc } = await run(reader('anthropic:claude-haiku-4-5', 'max_turns: 1\non_limit: answer', 'instructions: Be brief., stream: false'));
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps));
    const r = agentResult(doc, 's');
    assert.equal(r.stop_reason, 'max_turns');
    assert.equal(r.answer, 'I could not read it in time.');
    assert.equal(r.turns, 2);
    const refused = 'Not run: this was the last turn the agent may take (max_turns).';
    assert.deepEqual(r.tool_calls.map((c) => [c.id, c.status, c.error]), [['toolu_1', 'refused', refused]]);
    const [first, last] = srv.requests.map((q) => q.body);
    const tools = first.tools as { name: string }[];
    assert.deepEqual(tools.map((t) => t.name), ['filesystem_read']);
    assert.ok(!('tool_choice' in first));
    assert.deepEqual(last, {
      model: 'claude-haiku-4-5',
      max_tokens: 4096,
      system: 'Be brief.',
      tools,
      tool_choice: { type: 'none' },
      messages: [
        { role: 'user', content: 'Read notes.txt' },
        { role: 'assistant', content: [{ type: 'text', text: 'Reading.' }, { type: 'tool_use', id: 'toolu_1', name: 'filesystem_read', input: { path: 'notes.txt' } }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: refused, is_error: true },
            { type: 'text', text: "You have reached this task's limit: max_turns (1 model call). No more tools can be called. Give your final answer now, from what you have found." },
          ],
        },
      ],
    });
  });
  it('a structured answer after an answer that said nothing: the empty answer left out, the roles alternating', async () => {
    srv.script.push({ text: '' });
    const { doc } = await run(STRUCTURED('anthropic:claude-haiku-4-5'));
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps));
    assert.deepEqual((doc.steps.s.result as { vars?: unknown }).vars, { title: 'title from the loopback server' });
    const last = srv.requests[1].body;
    assert.deepEqual(last.messages, [{ role: 'user', content: [{ type: 'text', text: 'Name it.' }, { type: 'text', text: 'Give your final answer as JSON that matches the schema exactly.' }] }]);
    assert.deepEqual((last.tools as { name: string }[]).map((t) => t.name), ['filesystem_read', 'answer']);
    assert.deepEqual(last.tool_choice, { type: 'tool', name: 'answer' });
  });
});

describe('agent wire: Google Gemini (@google/genai)', () => {
  const DECLARATIONS = [{ functionDeclarations: TOOLS.map((t) => ({ name: t.name, description: t.description, parametersJsonSchema: t.parameters })) }];
  /** A call with an id and a thought signature, one without either, one with an id. */
  const CALLS: Scripted['toolCalls'] = [
    { id: 'fc_a', name: 'filesystem_read', arguments: { path: 'src/main.ts' }, thoughtSignature: 'c2lnbmF0dXJlLWE=' },
    { name: 'mcp__files__list', arguments: { dir: 'src/very/long/folder/name' } },
    { id: 'fc_c', name: 'web-search', arguments: { q: 'TypeError: x is "undefined"' } },
  ];
  const PARTS = [
    { text: 'Let me look.' },
    { functionCall: { id: 'fc_a', name: 'filesystem_read', args: { path: 'src/main.ts' } }, thoughtSignature: 'c2lnbmF0dXJlLWE=' },
    { functionCall: { name: 'mcp__files__list', args: { dir: 'src/very/long/folder/name' } } },
    { functionCall: { id: 'fc_c', name: 'web-search', args: { q: 'TypeError: x is "undefined"' } } },
  ];

  for (const stream of [false, true]) {
    it(`declares parametersJsonSchema functions, sends the parts back unchanged and a functionResponse per call (${stream ? 'streamed' : 'not streamed'})`, async () => {
      const { a1, a2, bodies } = await exchange('google:gemini-2.5-flash', { text: 'Let me look.', toolCalls: CALLS }, { stream });
      const verb = stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
      assert.deepEqual(srv.requests.map((r) => r.path), [`/v1beta/models/gemini-2.5-flash:${verb}`, `/v1beta/models/gemini-2.5-flash:${verb}`]);
      const head = { systemInstruction: { role: 'user', parts: [{ text: SYSTEM }] }, tools: DECLARATIONS, generationConfig: {} };
      assert.deepEqual(bodies[0], { ...head, contents: [{ role: 'user', parts: [{ text: PROMPT }] }] });
      assert.deepEqual(a1.toolCalls, [
        wired('fc_a', 'filesystem_read', { path: 'src/main.ts' }),
        { ...wired('call_1_2', 'mcp__files__list', { dir: 'src/very/long/folder/name' }), generatedId: true },
        wired('fc_c', 'web-search', { q: 'TypeError: x is "undefined"' }),
      ]);
      assert.equal(a1.text, 'Let me look.');
      assert.deepEqual(bodies[1], {
        ...head,
        contents: [
          { role: 'user', parts: [{ text: PROMPT }] },
          { role: 'model', parts: PARTS },
          {
            role: 'user',
            parts: [
              { functionResponse: { id: 'fc_a', name: 'filesystem_read', response: { output: 'result of fc_a' } } },
              { functionResponse: { name: 'mcp__files__list', response: { error: 'mcp__files__list failed: no such folder' } } },
              { functionResponse: { id: 'fc_c', name: 'web-search', response: { output: 'result of fc_c' } } },
            ],
          },
        ],
      });
      assert.equal(a2.text, 'Two bugs.');
    });
  }

  it('gives calls without an id ids unique across the turns of a step, and sends none of them to Gemini', async () => {
    srv.script.push({ toolCalls: [{ name: 'filesystem_read', arguments: { path: 'notes.txt' } }] }, { toolCalls: [{ name: 'filesystem_read', arguments: { path: 'notes.txt' } }] }, { text: 'Read twice.' });
    const { doc } = await run(reader('google:gemini-2.5-flash'));
    const r = agentResult(doc, 's');
    assert.equal(r.answer, 'Read twice.');
    assert.deepEqual(r.tool_calls.map((c) => [c.id, c.turn, c.status]), [['call_1_1', 1, 'ok'], ['call_2_1', 2, 'ok']]);
    const contents = srv.requests[2].body.contents as { role: string; parts: Record<string, { id?: string }>[] }[];
    assert.deepEqual(contents.map((c) => c.role), ['user', 'model', 'user', 'model', 'user']);
    for (const c of contents.slice(1)) for (const p of c.parts) assert.ok(!('id' in (p.functionCall ?? p.functionResponse)), JSON.stringify(p));
  });

  it('on_limit: answer after max_turns: 1 asks once more with no tools, the limit\'s text in the same user turn as the function responses', async () => {
    srv.script.push({ toolCalls: [{ id: 'fc-1', name: 'filesystem_read', arguments: { path: 'notes.txt' }, thoughtSignature: 'c2lnLTE=' }] }, { text: 'I could not read it in time.' });
    const { doc } = await run(reader('google:gemini-2.5-flash', 'max_turns: 1\non_limit: answer', 'stream: false'));
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps));
    assert.equal(agentResult(doc, 's').answer, 'I could not read it in time.');
    const last = srv.requests[1].body;
    assert.ok(!('tools' in last));
    assert.deepEqual(last.contents, [
      { role: 'user', parts: [{ text: 'Read notes.txt' }] },
      { role: 'model', parts: [{ functionCall: { id: 'fc-1', name: 'filesystem_read', args: { path: 'notes.txt' } }, thoughtSignature: 'c2lnLTE=' }] },
      {
        role: 'user',
        parts: [
          { functionResponse: { id: 'fc-1', name: 'filesystem_read', response: { error: 'Not run: this was the last turn the agent may take (max_turns).' } } },
          { text: "You have reached this task's limit: max_turns (1 model call). No more tools can be called. Give your final answer now, from what you have found." },
        ],
      },
    ]);
  });

  it('a structured answer after an answer that said nothing: no model content without parts is sent, and the user turns it leaves side by side are one', async () => {
    srv.script.push({ text: '' });
    const { doc } = await run(STRUCTURED('google:gemini-2.5-flash'));
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps));
    assert.deepEqual((doc.steps.s.result as { vars?: unknown }).vars, { title: 'title from the loopback server' });
    const last = srv.requests[1].body;
    assert.deepEqual(last.contents, [{ role: 'user', parts: [{ text: 'Name it.' }, { text: 'Give your final answer as JSON that matches the schema exactly.' }] }]);
    assert.equal((last.generationConfig as { responseMimeType?: string }).responseMimeType, 'application/json');
    assert.ok(!('tools' in last));
  });
});

describe('agent wire: the OpenAI-compatible family', () => {
  for (const [model, prefix, key] of [
    ['huggingface:meta-llama/Llama-3.3-70B-Instruct', '/hf/v1', 'hf_test_1234567890'],
    ['openai-compatible:qwen2.5-coder', '/compat/v1', 'compat-key-1234567890'],
  ] as const) {
    it(`${model.split(':')[0]}: makes tool calls with its key at its base URL`, async () => {
      srv.script.push({ toolCalls: [{ id: 'call_1', name: 'filesystem_read', arguments: { path: 'notes.txt' } }] }, { text: 'Read.' });
      const { doc } = await run(reader(model));
      assert.equal(doc.status, 'completed', JSON.stringify(doc.steps));
      const r = agentResult(doc, 's');
      assert.deepEqual(r.tool_calls.map((c) => [c.id, c.tool, c.status]), [['call_1', 'filesystem.read', 'ok']]);
      assert.equal(r.answer, 'Read.');
      assert.deepEqual(srv.requests.map((q) => [q.path, q.headers.authorization]), [[`${prefix}/chat/completions`, `Bearer ${key}`], [`${prefix}/chat/completions`, `Bearer ${key}`]]);
      const second = srv.requests[1].body;
      assert.equal(second.model, model.slice(model.indexOf(':') + 1));
      assert.deepEqual((second.messages as unknown[]).slice(1), [
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'filesystem_read', arguments: '{"path":"notes.txt"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: JSON.stringify(r.tool_calls[0].result) },
      ]);
    });
  }
});

describe('agent wire: failures', () => {
  it('a 429 with retry-after on a tool turn is waited out and the agent goes on', async () => {
    srv.script.push({ toolCalls: [{ id: 'call_1', name: 'filesystem_read', arguments: { path: 'notes.txt' } }] }, { status: 429, headers: { 'retry-after': '1' } }, { text: 'Read.' });
    const { doc, events } = await run(reader('openai:gpt-4o-mini'));
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps));
    const r = agentResult(doc, 's');
    assert.equal(r.answer, 'Read.');
    assert.equal(r.turns, 2);
    assert.equal(srv.requests.length, 3);
    // the retried turn sends the same conversation, the call's result included
    assert.deepEqual(srv.requests[2].body, srv.requests[1].body);
    assert.equal((srv.requests[2].body.messages as { role: string }[]).at(-1)!.role, 'tool');
    const calls = events.filter((e): e is Extract<RunEvent, { type: 'model-call' }> => e.type === 'model-call');
    assert.deepEqual(calls.map((c) => c.attempts), [1, 2]);
  });

  it("a 422 on an agent's structured last call from a server other than OpenAI says json_schema may not be supported", async () => {
    srv.script.push({ text: 'It is about bugs.' }, { status: 422, errorBody: { error: 'Input validation error: `response_format` is not supported', error_type: 'validation' } });
    const { doc } = await run(STRUCTURED('huggingface:meta-llama/Llama-3.3-70B-Instruct'));
    assert.equal(doc.status, 'failed');
    assert.equal(doc.steps.s.error, "huggingface answered HTTP 422: Input validation error: `response_format` is not supported (structured output: huggingface may not support response_format json_schema for 'meta-llama/Llama-3.3-70B-Instruct')");
    assert.ok(!('tools' in srv.requests[1].body));
    assert.equal((srv.requests[1].body.response_format as { type: string }).type, 'json_schema');
  });

  it('a 400 on a tool turn from a server other than OpenAI says its tools may not be supported; OpenAI\'s does not', async () => {
    srv.script.push({ status: 400, errorBody: { error: 'llama3.2 does not support tools' } }, { status: 400 });
    const ollama = await run(reader('ollama:llama3.2'));
    assert.equal(ollama.doc.status, 'failed');
    assert.equal(ollama.doc.steps.s.error, "ollama answered HTTP 400: llama3.2 does not support tools (tools: ollama may not support function calling for 'llama3.2')");
    const openai = await run(reader('openai:gpt-4o-mini'));
    assert.equal(openai.doc.steps.s.error, 'openai answered HTTP 400: 400 scripted 400');
    assert.equal(srv.requests.length, 2);
  });
});
