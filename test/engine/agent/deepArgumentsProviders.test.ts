// Tool arguments nested 3,000 and 100,000 deep (issue 74, item 12; round four fixed 3,000 on one
// path): with a secret in the environment, so that the redactor walks every value, each provider's
// wire (OpenAI streamed and not, Anthropic's streamed input_json_delta) ends in the same clear
// LimitError, never `RangeError: Maximum call stack size exceeded`, and the tool never runs. The
// redactor itself walks a value 100,000 deep, redacting a secret at its bottom.
import { strict as assert } from 'node:assert';
import { type Scripted } from '../../fixtures/providers/loopbackServer';
import { runAgentPipeline, tempDir, useLoopback, turnOf } from '../../helpers/agentRun';
import type { ToolDefinition } from '../../../engine/toolkit/runtime';
import { MAX_WALK_DEPTH, Redactor } from '../../../engine/toolkit/redact';

const SECRET = 'sk-deep-args-secret-0123456789';
const PIPELINE = (model: string, stream: boolean) => `id: deep_test\nmodel: ${model}\nsteps:\n  - id: worker\n    action: agent\n    tools: [probe.keep]\n    parameters:\n      prompt: Keep it.\n      stream: ${stream}\n`;
/** `{"value": {"a": {"a": … "x" …}}}`, `depth` objects deep, as the wire's text. */
const nested = (depth: number) => `{"value":${'{"a":'.repeat(depth - 1)}"x"${'}'.repeat(depth - 1)}}`;

describe('tool arguments nested thousands deep, on every wire, with secrets to redact', function () {
  this.timeout(60000);
  const srv = useLoopback();
  before(() => (process.env.ORC_DEEP_ARGS_API_KEY = SECRET));
  after(() => delete process.env.ORC_DEEP_ARGS_API_KEY);

  for (const [model, stream] of [['openai:gpt-4o-mini', false], ['openai:gpt-4o-mini', true], ['anthropic:claude-haiku-4-5', true]] as const)
    for (const depth of [3_000, 100_000])
      it(`${model.split(':')[0]}${stream ? ', streamed' : ''}: arguments ${depth} deep fail the step with the LimitError naming the call; the tool never runs`, async () => {
        let ran = 0;
        const tool: ToolDefinition = {
          spec: { name: 'probe', description: 'Keeps a value.', actions: { keep: { description: 'Keeps a value.', parameters: { value: { type: 'object', required: true, description: 'What to keep.' } }, result: { kept: 'Whether it was kept.' } } } },
          async run() {
            ran++;
            return { success: true, result: { kept: true } };
          },
        };
        srv.responder = (body): Scripted => (turnOf(body) === 0 ? { toolCalls: [{ id: 'call_deep', name: 'probe_keep', arguments: nested(depth) }] } : { text: 'Kept.' });
        const { doc } = await runAgentPipeline(srv, tempDir('orc-deep-wire-'), PIPELINE(model, stream), { tools: { probe: tool } });
        const step = doc.steps.worker;
        assert.equal(step.status, 'failed');
        assert.equal(step.error_type, 'LimitError');
        assert.equal(step.error, "The arguments of the agent's call call_deep to probe.keep are nested deeper than 900 levels, which the run cannot record");
        assert.equal(ran, 0);
        assert.equal(srv.requests.length, 1);
      });

  it('the redactor walks a value 100,000 deep: the secret at its bottom redacted, the value unchanged elsewhere, the same object when nothing is secret', () => {
    const r = new Redactor({ ORC_DEEP_ARGS_API_KEY: SECRET });
    const deep = (leaf: string) => {
      let v: unknown = [leaf, 7];
      for (let i = 0; i < 100_000; i++) v = { a: v };
      return v;
    };
    const plain = deep('nothing here');
    assert.equal(r.value(plain), plain);
    let out = r.value(deep(`key ${SECRET} end`)) as unknown;
    for (let i = 0; i < 100_000; i++) out = (out as { a: unknown }).a;
    assert.deepEqual(out, ['key [redacted: ORC_DEEP_ARGS_API_KEY] end', 7]);
  });

  it('a value that holds itself is a LimitError, not an endless walk', () => {
    const r = new Redactor({ ORC_DEEP_ARGS_API_KEY: SECRET });
    const loop: Record<string, unknown> = { name: 'x' };
    loop.self = loop;
    assert.throws(() => r.value(loop), { name: 'LimitError', message: `A value is nested deeper than ${MAX_WALK_DEPTH} levels (or holds itself): it cannot be redacted or recorded` });
  });
});
