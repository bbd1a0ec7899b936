// One bound for the whole tree of agents of a step (issue 63, item 1): named agents that call
// themselves or each other, several calls a turn, each within its own limits, made more than
// 60,000 model calls under default limits. The step's tree now stops at 10 times the step's own
// max_turns in model calls (and max_tool_calls in tool calls), the bound named in the failure.
import { strict as assert } from 'node:assert';
import { type LoopbackProviders, type Scripted } from '../../fixtures/providers/loopbackServer';
import { runAgentPipeline, tempDir, useLoopback, turnOf, type AgentRunResult } from '../../helpers/agentRun';

/** An agent step whose tools are two named agents that call themselves and each other, three calls a turn. */
const PIPELINE = `id: tree_test
model: openai:gpt-4o-mini
agents:
  ping:
    description: Asks pong and itself.
    instructions: Delegate.
    tools: [agent:pong, agent:ping]
  pong:
    description: Asks ping and itself.
    instructions: Delegate.
    tools: [agent:ping, agent:pong]
steps:
  - id: worker
    action: agent
    tools: [agent:ping, agent:pong]
    parameters:
      prompt: Find out.
`;

/** Every model, every turn: three calls to the agents it may call. */
function delegating(body: Record<string, unknown>): Scripted {
  const tools = ((body.tools ?? []) as { function: { name: string } }[]).map((t) => t.function.name);
  const turn = turnOf(body);
  if (!tools.length) return { text: 'What I have.' };
  return { toolCalls: [0, 1, 2].map((i) => ({ id: `c_${turn}_${i}`, name: tools[i % tools.length], arguments: { prompt: 'Find out.' } })) };
}

/** The run, stopped (and failed) after 40 s if it does not end by itself. */
async function runBounded(srv: LoopbackProviders, dir: string, source: string): Promise<AgentRunResult> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error(`still running after 40 s and ${srv.requests.length} model calls`)), 40_000);
  try {
    return await runAgentPipeline(srv, dir, source, { signal: ac.signal });
  } finally {
    clearTimeout(timer);
  }
}

describe('agent steps: one bound for the whole tree of agents (issue 63)', function () {
  this.timeout(90_000);
  const srv = useLoopback();
  let dir: string;
  beforeEach(() => (dir = tempDir('orc-tree-')));

  it('agents calling themselves and each other: the step fails at 100 model calls (10 x max_turns), the bound named', async () => {
    srv.responder = delegating;
    const { doc } = await runBounded(srv, dir, PIPELINE);
    const step = doc.steps.worker;
    assert.equal(step.status, 'failed');
    assert.equal(step.error_type, 'AgentLimitError');
    assert.match(step.error!, /^Agent step 'worker' stopped at its limit: the bound of its whole tree of agents \(100 model calls, 500 tool calls: 10 times its max_turns and max_tool_calls, over every agent it calls and the agents they call\) reached before it answered/);
    assert.equal(srv.requests.length, 100);
  });

  it('a step with max_turns: 2 bounds its tree at 20 model calls', async () => {
    srv.responder = delegating;
    const { doc } = await runBounded(srv, dir, PIPELINE.replace('    action: agent\n', '    action: agent\n    max_turns: 2\n'));
    assert.equal(doc.steps.worker.error_type, 'AgentLimitError');
    assert.match(doc.steps.worker.error!, /the bound of its whole tree of agents \(20 model calls, 500 tool calls:/);
    assert.equal(srv.requests.length, 20);
  });
});
