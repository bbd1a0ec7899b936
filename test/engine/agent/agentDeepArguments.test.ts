// Hostile shapes a model or a pipeline can give an agent (issue 63, items 6 and 7): tool arguments
// nested thousands deep fail the step with the same clear LimitError at any depth (not a RangeError
// from the call stack), and `max_turns: .inf` is refused as the other bad limits are.
import { strict as assert } from 'node:assert';
import { type Scripted } from '../../fixtures/providers/loopbackServer';
import { runAgentPipeline, tempDir, useLoopback, turnOf } from '../../helpers/agentRun';
import { analyze } from '../../../engine/api/index';
import type { ToolDefinition } from '../../../engine/toolkit/runtime';

/** A tool that takes any object: the arguments pass its schema and reach the run. */
const keep: ToolDefinition = {
  spec: { name: 'probe', description: 'Keeps a value.', actions: { keep: { description: 'Keeps a value.', parameters: { value: { type: 'object', required: true, description: 'What to keep.' } }, result: { kept: 'Whether it was kept.' } } } },
  async run() {
    return { success: true, result: { kept: true } };
  },
};

const PIPELINE = `id: deep_test\nmodel: openai:gpt-4o-mini\nsteps:\n  - id: worker\n    action: agent\n    tools: [probe.keep]\n    parameters:\n      prompt: Keep it.\n`;

/** `{"value": {"a": {"a": … "x" …}}}`, `depth` objects deep, as the wire's text (the loopback server would stringify an object with the stack). */
const nested = (depth: number) => `{"value":${'{"a":'.repeat(depth - 1)}"x"${'}'.repeat(depth - 1)}}`;

describe('agent steps: hostile arguments and limits (issue 63)', function () {
  this.timeout(20000);
  const srv = useLoopback();
  let dir: string;
  beforeEach(() => (dir = tempDir('orc-deep-')));

  for (const depth of [1_000, 3_000, 20_000]) {
    it(`arguments nested ${depth} deep: the step fails with the LimitError naming the call, the tool never runs`, async () => {
      let ran = 0;
      const tool: ToolDefinition = { ...keep, run: async (...a) => (ran++, keep.run(...a)) };
      srv.responder = (body): Scripted => (turnOf(body) === 0 ? { toolCalls: [{ id: 'call_deep', name: 'probe_keep', arguments: nested(depth) }] } : { text: 'Kept.' });
      const { doc } = await runAgentPipeline(srv, dir, PIPELINE, { tools: { probe: tool } });
      const step = doc.steps.worker;
      assert.equal(step.status, 'failed');
      assert.equal(step.error_type, 'LimitError');
      assert.equal(step.error, "The arguments of the agent's call call_deep to probe.keep are nested deeper than 900 levels, which the run cannot record");
      assert.equal(ran, 0);
      assert.equal(srv.requests.length, 1);
    });
  }

  it('arguments 800 deep are kept: the tool runs and the loop goes on', async () => {
    srv.responder = (body): Scripted => (turnOf(body) === 0 ? { toolCalls: [{ id: 'call_ok', name: 'probe_keep', arguments: nested(800) }] } : { text: 'Kept.' });
    const { doc } = await runAgentPipeline(srv, dir, PIPELINE, { tools: { probe: keep } });
    assert.equal(doc.steps.worker.status, 'completed', doc.steps.worker.error ?? '');
  });

  for (const [key, where] of [['max_turns: .inf', 'max_turns'], ['max_tool_calls: .inf', 'max_tool_calls'], ['max_turns: 1e400', 'max_turns']] as const) {
    it(`${key} is refused by the analysis as the other bad limits are`, () => {
      const a = analyze(PIPELINE.replace('    parameters:', `    ${key}\n    parameters:`), { tools: { probe: keep.spec } });
      assert.deepEqual(
        a.findings.filter((f) => f.severity === 'error').map((f) => [f.code, f.message, f.range.start.line]),
        [['schema.range', `'${where}' must be a finite number, got .inf.`, 6]],
      );
    });
  }

  it("a named agent's max_turns and budget: .inf is refused too", () => {
    const src = `id: p\nmodel: openai:gpt-4o-mini\nagents:\n  helper:\n    instructions: Help.\n    tools: [filesystem.read]\n    max_turns: .inf\n    budget: {max_tokens: .inf}\nsteps:\n  - id: w\n    action: agent\n    tools: [agent:helper]\n    parameters: {prompt: hi}\n`;
    assert.deepEqual(
      analyze(src).findings.filter((f) => f.severity === 'error').map((f) => f.message),
      ["'max_turns' must be a finite number, got .inf.", "'max_tokens' must be a finite number, got .inf."],
    );
  });
});
