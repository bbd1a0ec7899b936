// Handoffs (`handoffs: [NAME]`): a triage agent hands the conversation to billing, whose
// instructions and tools are then in force (the system prompt and tools the provider receives);
// the handoff is in the result, the transcript and the events, and `handoff_to` checks it in an
// eval; two agents handing the conversation back and forth stop at the bound, the chain named.
// Real SDKs against the loopback provider server.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import type { AgentStepResult } from '../../../engine/agent/types';
import { analyze } from '../../../engine/api/index';
import { TRAJECTORY_CHECKS } from '../../../engine/eval/trajectory';
import type { EvalAssertion } from '../../../engine/eval/evalFile';
import { runAgentPipeline, tempDir, useLoopback } from '../../helpers/agentRun';

const DESK = (model: string) => `id: desk
model: ${model}
agents:
  billing:
    description: Answers questions about charges and refunds.
    instructions: You are the billing specialist. Refunds within 30 days.
    tools: [filesystem.read]
steps:
  - id: triage
    action: agent
    tools: [filesystem.list]
    handoffs: [billing]
    parameters:
      instructions: You triage support requests and hand them to the right specialist.
      prompt: I was charged twice for my order.
      stream: false
outputs:
  answer: "{{ triage.result.answer }}"
`;

/** The system prompt and the offered tools' names of a request, on OpenAI's and Anthropic's wires. */
function seen(body: Record<string, unknown>): { system: string; tools: string[] } {
  const msgs = (body.messages ?? []) as { role: string; content: unknown }[];
  const system = typeof body.system === 'string' ? body.system : Array.isArray(body.system) ? (body.system as { text: string }[]).map((b) => b.text).join('') : String(msgs.find((m) => m.role === 'system')?.content ?? '');
  const tools = ((body.tools ?? []) as { name?: string; function?: { name: string } }[]).map((t) => t.function?.name ?? t.name ?? '');
  return { system, tools };
}

describe('agent handoffs', function () {
  this.timeout(30_000);
  const srv = useLoopback();
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  for (const model of ['openai:gpt-4o-mini', 'anthropic:claude-haiku-4-5']) {
    it(`a triage agent hands off to billing: billing's instructions and tools in force, the handoff recorded (${model.split(':')[0]})`, async () => {
      const d = tempDir('orc-handoff-');
      dirs.push(d);
      srv.script.push({ toolCalls: [{ id: 'call_t1', name: 'transfer_to_billing', arguments: {} }] }, { text: 'I have refunded the second charge.' });
      const { doc, events } = await runAgentPipeline(srv, d, DESK(model));
      assert.equal(doc.status, 'completed', JSON.stringify(doc.steps.triage.error));
      assert.equal(doc.outputs.answer, 'I have refunded the second charge.');
      assert.equal(srv.requests.length, 2);
      const before = seen(srv.requests[0].body);
      const after = seen(srv.requests[1].body);
      assert.equal(before.system, 'You triage support requests and hand them to the right specialist.');
      assert.deepEqual(before.tools, ['filesystem_list', 'transfer_to_billing']);
      assert.equal(after.system, 'You are the billing specialist. Refunds within 30 days.');
      assert.deepEqual(after.tools, ['filesystem_read']);
      const r = doc.steps.triage.result as AgentStepResult;
      assert.deepEqual(r.handoffs, [{ to: 'billing', turn: 1 }]);
      assert.deepEqual(r.transcript.map((t) => [t.turn, t.handoff ?? null, t.agent ?? null]), [[1, 'billing', null], [2, null, 'billing']]);
      assert.deepEqual(r.tool_calls.map((c) => [c.tool, c.status, c.result]), [['transfer_to_billing', 'ok', { handoff_to: 'billing' }]]);
      const handoff = events.filter((e) => e.type === 'agent-handoff');
      assert.deepEqual(handoff.map((e) => e.type === 'agent-handoff' && [e.stepId, e.from, e.to, e.turn]), [['triage', 'triage', 'billing', 1]]);
      // the eval assertion
      const check = (to: string) => TRAJECTORY_CHECKS.handoff_to({ kind: 'handoff_to', operand: to } as EvalAssertion, r, (v) => v);
      assert.equal(check('billing').pass, true);
      assert.deepEqual({ ...check('refunds') }, { expected: 'a handoff to refunds', actual: ['billing (turn 1)'], pass: false, reason: 'the conversation was handed to billing (turn 1), never to refunds' });
    });
  }

  it('on Anthropic, a handoff to an agent with no tools still declares the calls the conversation holds (none callable)', async () => {
    const d = tempDir('orc-handoff-');
    dirs.push(d);
    srv.script.push({ toolCalls: [{ id: 'toolu_t1', name: 'transfer_to_billing', arguments: {} }] }, { text: 'Refunded.' });
    const { doc } = await runAgentPipeline(srv, d, DESK('anthropic:claude-haiku-4-5').replace('    tools: [filesystem.read]\n', ''));
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps.triage.error));
    const body = srv.requests[1].body;
    assert.deepEqual(body.tools, [{ name: 'transfer_to_billing', description: 'Called earlier in this conversation; not available now.', input_schema: { type: 'object' } }]);
    assert.deepEqual(body.tool_choice, { type: 'none' });
  });

  it('two agents handing the conversation back and forth stop at the bound, the chain in the failure', async () => {
    const d = tempDir('orc-handoff-');
    dirs.push(d);
    const source = `id: pingpong
model: openai:gpt-4o-mini
agents:
  ping:
    instructions: You are ping.
    handoffs: [pong]
  pong:
    instructions: You are pong.
    handoffs: [ping]
steps:
  - id: start
    action: agent
    handoffs: [ping]
    parameters:
      prompt: Play.
      stream: false
`;
    srv.responder = (body) => {
      const system = seen(body).system;
      return { toolCalls: [{ name: system === 'You are ping.' ? 'transfer_to_pong' : 'transfer_to_ping', arguments: {} }] };
    };
    const { doc } = await runAgentPipeline(srv, d, source);
    assert.equal(doc.status, 'failed');
    const step = doc.steps.start;
    assert.equal(step.error_type, 'AgentLimitError');
    assert.equal(step.error, "Agent step 'start' stopped at its limit: handoffs (8 in one step) reached: the conversation went start → ping → pong → ping → pong → ping → pong → ping → pong → ping");
    assert.equal((step.result as AgentStepResult).handoffs?.length, 8);
    assert.equal(srv.requests.length, 9);
  });

  it('the analyzer names a handoff to no agent of agents:', () => {
    const a = analyze(DESK('openai:gpt-4o-mini').replace('handoffs: [billing]', 'handoffs: [biling]'));
    const f = a.findings.filter((x) => x.code === 'agent.unknown-agent');
    assert.deepEqual(f.map((x) => [x.message, x.path, x.suggestions]), [["No agent 'biling' to hand off to: the agents are 'billing'. Did you mean 'billing'?", 'steps[0].handoffs[0]', ['billing']]]);
  });
});
