// The spans of an agent step (GenAI agent conventions): `invoke_agent` under the step, a `chat`
// span per turn and an `execute_tool` span per call under it, a named agent's `invoke_agent` under
// the call that started it; tool types, statuses and error types; content only when captured, and
// redacted. A real agent run against the loopback OpenAI server (with the MCP test server and a
// named agent), exported over OTLP/protobuf to the loopback receiver; and the tracer fed events
// directly for what a run makes hard to reach: agents waiting at once, a failed turn, a retry.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import type { ResultDocument, RunEvent, StepResult } from '../../../engine/run/events';
import { Redactor } from '../../../engine/toolkit/redact';
import { startTelemetry, type Telemetry } from '../../../engine/telemetry/index';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { OtlpReceiver, treeOf, type ReceivedSpan } from '../../fixtures/otlpReceiver';
import { runAgentPipeline, tempDir } from '../../helpers/agentRun';
import { ROOT } from '../../helpers/cli';

const SECRET = 'tok-9f8e7d6c5b4a3210';
const SECRET_ENV = { REPORT_TOKEN: SECRET };

const pipeline = (server: string) => `id: agentic
model: openai:gpt-4o-mini
mcp_servers:
  fixture: {command: node, args: [${JSON.stringify(server)}]}
agents:
  checker:
    instructions: You check reports.
    tools: [filesystem.read]
steps:
  - id: triage
    action: agent
    tools: [filesystem.read, filesystem.write, mcp:fixture.add, agent:checker]
    parameters:
      prompt: Read notes.txt and write report.md
`;

/** The model: the step's agent reads, asks for a shell it was not given and adds; then writes (a secret in the content) and has the checker read the report; then answers. */
function model(body: Record<string, unknown>) {
  const msgs = body.messages as { role: string; content: string | null }[];
  const turn = msgs.filter((m) => m.role === 'assistant').length;
  // the checker reads the notes, which are there before the turn: the report is written by a call of the same turn, which runs beside the checker's
  if (msgs[0].role === 'system' && msgs[0].content === 'You check reports.') return turn === 0 ? { toolCalls: [{ name: 'filesystem_read', arguments: { path: 'notes.txt' } }] } : { text: 'The report is fine.' };
  if (turn === 0) return { toolCalls: [{ name: 'filesystem_read', arguments: { path: 'notes.txt' } }, { name: 'shell_exec', arguments: { cmd: 'ls' } }, { name: 'mcp__fixture__add', arguments: { a: 2, b: 3 } }] };
  if (turn === 1) return { toolCalls: [{ name: 'filesystem_write', arguments: { path: 'report.md', content: `token=${SECRET}` } }, { name: 'agent__checker', arguments: { prompt: 'Check report.md' } }] };
  return { text: 'Wrote report.md' };
}

function allText(spans: ReceivedSpan[]): string {
  return JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events, s.status]));
}

describe('telemetry: the spans of an agent step', function () {
  this.timeout(20_000);
  let srv: LoopbackProviders;
  let receiver: OtlpReceiver;
  let dir: string;
  let server: string;

  before(async () => {
    srv = await new LoopbackProviders().start();
    srv.responder = model;
    server = path.join(tempDir('orc-otel-agent-mcp-'), 'fixture-server.js');
    await build({ entryPoints: [path.join(ROOT, 'test/fixtures/mcp/server.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node22', outfile: server, logLevel: 'warning' });
  });
  after(async () => {
    await srv.stop();
    fs.rmSync(path.dirname(server), { recursive: true, force: true });
  });
  beforeEach(async () => {
    receiver = await new OtlpReceiver().start();
    dir = tempDir('orc-otel-agent-');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'three bugs');
  });
  afterEach(async () => {
    await receiver.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(captureContent: boolean): Promise<Telemetry> {
    return (await startTelemetry({ exporters: [{ url: `${receiver.origin}/v1/traces`, fromEnv: false, protocol: 'http/protobuf' }], defaultServiceName: 'orc-test', captureContent, metrics: null }, '0.0.0')) as Telemetry;
  }

  async function traced(captureContent: boolean): Promise<{ doc: ResultDocument; spans: ReceivedSpan[] }> {
    const telemetry = await start(captureContent);
    const redactor = new Redactor(SECRET_ENV);
    const t = telemetry.forRun({ pipelineId: 'agentic', redactor });
    const { doc } = await runAgentPipeline(srv, dir, pipeline(server), { redactor, listeners: t.listeners, nestedListeners: t.nestedListeners });
    const warnings: string[] = [];
    const { dropped } = await telemetry.shutdown((s) => warnings.push(s));
    assert.equal(dropped, 0, warnings.join('\n'));
    return { doc, spans: receiver.spans };
  }

  it('invoke_agent under the step; a chat span per turn and an execute_tool span per call under it; the named agent under its call', async () => {
    const { doc, spans } = await traced(false);
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps.triage));
    assert.equal(
      treeOf(spans),
      [
        'invoke_workflow agentic [INTERNAL]',
        '  execute_tool triage [INTERNAL]',
        '    invoke_agent triage [INTERNAL]',
        '      chat gpt-4o-mini [CLIENT]',
        '      chat gpt-4o-mini [CLIENT]',
        '      chat gpt-4o-mini [CLIENT]',
        '      execute_tool agent:checker [INTERNAL]',
        '        invoke_agent checker [INTERNAL]',
        '          chat gpt-4o-mini [CLIENT]',
        '          chat gpt-4o-mini [CLIENT]',
        '          execute_tool filesystem.read [INTERNAL]',
        '      execute_tool filesystem.read [INTERNAL]',
        '      execute_tool filesystem.write [INTERNAL]',
        '      execute_tool mcp:fixture.add [INTERNAL]',
        '      execute_tool shell_exec [INTERNAL] ERROR',
      ].join('\n'),
    );
    const one = (name: string, parent?: ReceivedSpan) => {
      const found = spans.filter((s) => s.name === name && (!parent || s.parentSpanId === parent.spanId));
      assert.equal(found.length, 1, name);
      return found[0];
    };
    const r = doc.steps.triage;
    const agent = one('invoke_agent triage');
    const checker = one('invoke_agent checker');
    const checkerResult = (r.result as { tool_calls: { tool: string; agent?: { tokens_in: number; tokens_out: number } }[] }).tool_calls.find((c) => c.tool === 'agent:checker')!.agent!;
    // the step's agent sums every turn, the checker's included; the checker its own
    assert.deepEqual(agent.attributes, {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'triage',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': r.tokens_in,
      'gen_ai.usage.output_tokens': r.tokens_out,
      'orchestrator.cost_usd': r.cost_usd,
      'orchestrator.agent.stop_reason': 'answered',
      'orchestrator.agent.turns': 3,
      'orchestrator.agent.tool_calls': 5,
    });
    assert.equal(agent.status.code, 0);
    assert.deepEqual([checker.attributes['gen_ai.agent.name'], checker.attributes['gen_ai.usage.input_tokens'], checker.attributes['gen_ai.usage.output_tokens'], checker.attributes['orchestrator.agent.turns']], ['checker', checkerResult.tokens_in, checkerResult.tokens_out, 2]);
    const calls = (r.result as { tool_calls: { id: string; tool: string; turn: number }[] }).tool_calls;
    const callOf = (tool: string) => calls.find((c) => c.tool === tool)!;
    const attrs = (s: ReceivedSpan) => ({ ...s.attributes });
    assert.deepEqual(attrs(one('execute_tool filesystem.write', agent)), { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'filesystem.write', 'gen_ai.tool.call.id': callOf('filesystem.write').id, 'gen_ai.tool.type': 'function', 'orchestrator.agent.turn': 2, 'orchestrator.status': 'ok' });
    assert.deepEqual([one('execute_tool mcp:fixture.add').attributes['gen_ai.tool.type'], one('execute_tool agent:checker').attributes['gen_ai.tool.type']], ['extension', 'function']);
    const refused = one('execute_tool shell_exec');
    assert.deepEqual([refused.attributes['error.type'], refused.attributes['orchestrator.status'], refused.status.code, refused.status.message], ['refused', 'refused', 2, "Refused: 'shell_exec' is not one of the tools you may call (filesystem_read, filesystem_write, mcp__fixture__add, agent__checker)."]);
    // each chat span is its turn's provider call, in the turn's order, with the turn's tokens
    const transcript = (r.result as { transcript: { tokens_in: number; finish_reason: string }[] }).transcript;
    const chats = spans.filter((s) => s.parentSpanId === agent.spanId && s.name.startsWith('chat ')).sort((a, b) => a.startMs - b.startMs);
    assert.deepEqual(
      chats.map((c) => [c.attributes['orchestrator.agent.turn'], c.attributes['gen_ai.usage.input_tokens'], c.attributes['gen_ai.response.finish_reasons']]),
      transcript.map((t, i) => [i + 1, t.tokens_in, [t.finish_reason]]),
    );
    // times nest: the agent within its step, each call within the agent, the checker within its call
    const step = one('execute_tool triage');
    const call = one('execute_tool agent:checker');
    assert.ok(step.startMs <= agent.startMs && agent.endMs <= step.endMs, 'the agent within its step');
    assert.ok(agent.startMs <= call.startMs && call.endMs <= agent.endMs, 'the call within its agent');
    assert.ok(call.startMs <= checker.startMs && checker.endMs <= call.endMs, 'the checker within its call');
    // content is off: no arguments, results or messages
    assert.ok(!/gen_ai\.(tool\.call\.(arguments|result)|input\.messages|output\.messages)/.test(allText(spans)));
  });

  it('with content capture on: arguments and results on the calls, messages on the turns, every secret redacted', async () => {
    const { doc, spans } = await traced(true);
    assert.equal(doc.status, 'completed');
    assert.ok(!allText(spans).includes(SECRET), 'no secret in any span');
    const write = spans.find((s) => s.name === 'execute_tool filesystem.write')!;
    assert.deepEqual(JSON.parse(write.attributes['gen_ai.tool.call.arguments'] as string), { path: 'report.md', content: 'token=[redacted: REPORT_TOKEN]' });
    assert.deepEqual(JSON.parse(write.attributes['gen_ai.tool.call.result'] as string), { path: 'report.md', size: `token=${SECRET}`.length });
    const add = spans.find((s) => s.name === 'execute_tool mcp:fixture.add')!;
    assert.deepEqual([JSON.parse(add.attributes['gen_ai.tool.call.arguments'] as string), add.attributes['gen_ai.tool.call.result']], [{ a: 2, b: 3 }, JSON.stringify((doc.steps.triage.result as { tool_calls: { tool: string; result: unknown }[] }).tool_calls.find((c) => c.tool === 'mcp:fixture.add')!.result)]);
    const agent = spans.find((s) => s.name === 'invoke_agent triage')!;
    const chats = spans.filter((s) => s.parentSpanId === agent.spanId && s.name.startsWith('chat ')).sort((a, b) => a.startMs - b.startMs);
    assert.deepEqual(JSON.parse(chats[0].attributes['gen_ai.input.messages'] as string), [{ role: 'user', parts: [{ type: 'text', content: 'Read notes.txt and write report.md' }] }]);
    assert.equal(chats[1].attributes['gen_ai.input.messages'], undefined);
    const ids = (doc.steps.triage.result as { tool_calls: { id: string; tool: string; turn: number }[] }).tool_calls.filter((c) => c.turn === 2);
    assert.deepEqual(JSON.parse(chats[1].attributes['gen_ai.output.messages'] as string), [
      {
        role: 'assistant',
        parts: [
          { type: 'tool_call', id: ids[0].id, name: 'filesystem.write', arguments: { path: 'report.md', content: 'token=[redacted: REPORT_TOKEN]' } },
          { type: 'tool_call', id: ids[1].id, name: 'agent:checker', arguments: { prompt: 'Check report.md' } },
        ],
      },
    ]);
    assert.deepEqual(JSON.parse(chats[2].attributes['gen_ai.output.messages'] as string), [{ role: 'assistant', parts: [{ type: 'text', content: 'Wrote report.md' }] }]);
    // the checker's first turn has the prompt its call gave it
    const checker = spans.find((s) => s.name === 'invoke_agent checker')!;
    const first = spans.filter((s) => s.parentSpanId === checker.spanId && s.name.startsWith('chat ')).sort((a, b) => a.startMs - b.startMs)[0];
    assert.deepEqual(JSON.parse(first.attributes['gen_ai.input.messages'] as string), [{ role: 'user', parts: [{ type: 'text', content: 'Check report.md' }] }]);
  });

  it('events fed directly: agents waiting at once get their own calls, a failed turn and a failed attempt say so, a secret is redacted by the tracer too', async () => {
    const telemetry = await start(true);
    const t = telemetry.forRun({ pipelineId: 'direct', redactor: new Redactor(SECRET_ENV) });
    const on = t.listeners![0];
    const t0 = Date.now();
    const me = { name: 'solo', path: [] as string[] };
    const a = { name: 'helper', path: ['c1'] };
    const b = { name: 'helper', path: ['c2'] };
    const base = { stepId: 'solo', scope: [] };
    const call = (time: number, model: string, tokens: number): RunEvent => ({ type: 'model-call', time, ...base, model, tokens_in: tokens, tokens_out: 1, cost_usd: 0, latency_ms: 4, wait_ms: 0, attempts: 1, provider: 'openai', finish_reasons: ['stop'] });
    const turn = (n: number, model: string, tokens: number, extra: Record<string, unknown> = {}) => ({ turn: n, model, text: '', tool_calls: [], tokens_in: tokens, tokens_out: 1, cost_usd: 0, latency_ms: 4, ...extra });
    const tool = (id: string, name: string, turnNo: number, status: 'ok' | 'error' | 'denied' | 'refused', extra: Record<string, unknown> = {}) => ({ id, tool: name, arguments: { prompt: `go ${SECRET}` }, status, duration_ms: 1, turn: turnNo, ...extra });
    const events: RunEvent[] = [
      { type: 'run-started', time: t0, executionId: 'run-1', pipelineId: 'direct', steps: ['solo'], levels: [['solo']], resumed: false },
      { type: 'step-started', time: t0 + 1, ...base, attempt: 1, inputs: { prompt: 'Do it' }, tool: null, action: 'agent' },
      { type: 'agent-turn-started', time: t0 + 2, ...base, agent: me, turn: 1, model: 'openai:m-broken' },
      // the first model of the chain could not answer: the next takes the turn over
      { type: 'agent-turn-ended', time: t0 + 3, ...base, agent: me, turn: turn(1, 'openai:m-broken', 0, { finish_reason: 'failed: overloaded' }), calls: [] },
      { type: 'agent-turn-started', time: t0 + 3, ...base, agent: me, turn: 1, model: 'openai:m-main' },
      call(t0 + 8, 'openai:m-main', 10),
      { type: 'agent-turn-ended', time: t0 + 9, ...base, agent: me, turn: turn(1, 'openai:m-main', 10), calls: [] },
      { type: 'tool-call-started', time: t0 + 10, ...base, agent: me, turn: 1, call: { id: 'c1', tool: 'agent:helper', arguments: {} }, approval: false },
      { type: 'tool-call-started', time: t0 + 10, ...base, agent: me, turn: 1, call: { id: 'c2', tool: 'agent:helper', arguments: {} }, approval: false },
      // two helpers wait for their models at once; the answers come back in the other order
      { type: 'agent-turn-started', time: t0 + 11, ...base, agent: a, turn: 1, model: 'openai:m-help' },
      { type: 'agent-turn-started', time: t0 + 11, ...base, agent: b, turn: 1, model: 'openai:m-help' },
      call(t0 + 15, 'openai:m-help', 22),
      call(t0 + 16, 'openai:m-help', 11),
      { type: 'agent-turn-ended', time: t0 + 17, ...base, agent: a, turn: turn(1, 'openai:m-help', 11), calls: [] },
      { type: 'agent-turn-ended', time: t0 + 17, ...base, agent: b, turn: turn(1, 'openai:m-help', 22), calls: [] },
      { type: 'agent-ended', time: t0 + 18, ...base, agent: a, stop_reason: 'answered', turns: 1, tool_calls: 0, answer: 'a' },
      { type: 'agent-ended', time: t0 + 18, ...base, agent: b, stop_reason: 'max_turns', turns: 1, tool_calls: 0, answer: null },
      { type: 'tool-call-ended', time: t0 + 19, ...base, agent: me, call: tool('c1', 'agent:helper', 1, 'ok', { result: 'a' }) },
      { type: 'tool-call-ended', time: t0 + 19, ...base, agent: me, call: tool('c2', 'agent:helper', 1, 'error', { error: 'Agent \'helper\' stopped at its limit' }) },
      { type: 'tool-call-started', time: t0 + 20, ...base, agent: me, turn: 1, call: { id: 'c3', tool: 'filesystem.delete', arguments: {} }, approval: true },
      { type: 'tool-call-ended', time: t0 + 21, ...base, agent: me, call: tool('c3', 'filesystem.delete', 1, 'denied', { error: 'The call was denied.' }) },
      // the loop ends without an answer: the step fails
      { type: 'attempt-failed', time: t0 + 25, ...base, attempt: 1, error: `The provider failed (key ${SECRET})`, errorType: 'ProviderError', retryInMs: null },
      { type: 'step-ended', time: t0 + 26, ...base, result: { status: 'failed', success: false, attempts: 1, retries: 0, tokens_in: 43, tokens_out: 3, cost_usd: 0, result: null, error: `The provider failed (key ${SECRET})`, error_type: 'ProviderError' } as unknown as StepResult },
    ];
    for (const e of events) on(e);
    on({ type: 'run-ended', time: t0 + 30, result: { status: 'failed', success: false, cost_usd: 0, tokens_in: 43, tokens_out: 3, failed_steps: ['solo'], steps: { solo: { error_type: 'ProviderError' } } } as unknown as ResultDocument });
    await telemetry.shutdown(() => undefined);
    const spans = receiver.spans;
    assert.equal(
      treeOf(spans),
      [
        'invoke_workflow direct [INTERNAL] ERROR',
        '  execute_tool solo [INTERNAL] ERROR',
        '    invoke_agent solo [INTERNAL] ERROR',
        '      chat m-broken [CLIENT] ERROR',
        '      chat m-main [CLIENT]',
        '      execute_tool agent:helper [INTERNAL]',
        '        invoke_agent helper [INTERNAL]',
        '          chat m-help [CLIENT]',
        '      execute_tool agent:helper [INTERNAL] ERROR',
        '        invoke_agent helper [INTERNAL] ERROR',
        '          chat m-help [CLIENT]',
        '      execute_tool filesystem.delete [INTERNAL] ERROR',
      ].join('\n'),
    );
    assert.ok(!allText(spans).includes(SECRET), 'no secret in any span');
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    // each helper's chat span is the provider call with its own tokens, not the first that came back
    const helperChats = spans.filter((s) => s.name === 'chat m-help').map((s) => [byId.get(byId.get(s.parentSpanId)!.parentSpanId)!.attributes['gen_ai.tool.call.id'], s.attributes['gen_ai.usage.input_tokens'], s.endMs - t0]);
    assert.deepEqual(helperChats.sort(), [['c1', 11, 16], ['c2', 22, 15]]);
    const agent = spans.find((s) => s.name === 'invoke_agent solo')!;
    assert.deepEqual([agent.attributes['error.type'], agent.status.message, agent.attributes['gen_ai.request.model'], agent.attributes['gen_ai.usage.input_tokens']], ['ProviderError', 'The provider failed (key [redacted: REPORT_TOKEN])', 'm-broken', 43]);
    const limited = spans.find((s) => s.name === 'invoke_agent helper' && s.status.code === 2)!;
    assert.deepEqual([limited.attributes['error.type'], limited.attributes['orchestrator.agent.stop_reason'], limited.status.message], ['AgentLimitError', 'max_turns', "Agent 'helper' stopped at its limit"]);
    const broken = spans.find((s) => s.name === 'chat m-broken')!;
    assert.deepEqual([broken.attributes['error.type'], broken.status.message, broken.startMs - t0, broken.endMs - t0], ['_OTHER', 'overloaded', -1, 3]);
    const denied = spans.find((s) => s.name === 'execute_tool filesystem.delete')!;
    assert.deepEqual([denied.attributes['error.type'], denied.status.message, denied.attributes['gen_ai.tool.call.arguments']], ['denied', 'The call was denied.', '{"prompt":"go [redacted: REPORT_TOKEN]"}']);
  });
});
