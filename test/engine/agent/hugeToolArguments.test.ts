// #63 item 4: one tool call with 50 MB of arguments. The record keeps a call's arguments as it keeps
// its result: cut at 64,000 characters of JSON (docs/agents.md), so checkpoint.json and result.json
// stay small; the run does not copy the 50 MB through every event and record.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ToolDefinition } from '../../../engine/toolkit/runtime';
import { runAgentPipeline, tempDir, turnOf, useLoopback } from '../../helpers/agentRun';

const PIPELINE = `id: huge
model: openai:gpt-4o-mini
steps:
  - id: ask
    action: agent
    tools: [bulk.take]
    parameters:
      prompt: Send everything to the tool
`;

/** A tool that takes a string and answers how long it was. */
const bulk: ToolDefinition = {
  spec: { name: 'bulk', description: 'Takes data.', actions: { take: { description: 'Takes data.', parameters: { data: { type: 'string', required: true, description: 'The data.' } }, result: { length: 'Its length.' } } } },
  async run(_a, params) {
    return { success: true, result: { length: String(params.data).length } };
  },
};

describe('hardening #63: a tool call with 50 MB of arguments', function () {
  // 20-30 s here: most of it is the provider SDK and the loopback server moving 50 MB twice (the call, then the conversation back)
  this.timeout(180_000);
  const srv = useLoopback();
  let dir: string;
  beforeEach(() => (dir = tempDir('orc-huge-args-')));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('checkpoint.json and result.json keep the arguments cut at 64,000 characters, with the cut marker', async () => {
    const data = 'x'.repeat(50 * 1024 * 1024);
    // sent whole in one streamed delta (the loopback's 7-character pieces would be 7.5 million events)
    srv.responder = (body) => (turnOf(body) === 0 ? { ollamaIndexZero: true, toolCalls: [{ name: 'bulk_take', arguments: { data } }] } : { text: 'sent' });
    const { doc } = await runAgentPipeline(srv, dir, PIPELINE, { tools: { bulk }, checkpoint: true });
    assert.equal(doc.status, 'completed', JSON.stringify(doc.steps.ask).slice(0, 2000));
    const call = (doc.steps.ask.result as { tool_calls: { arguments: unknown; result: unknown }[] }).tool_calls[0];
    assert.deepEqual(call.result, { length: data.length });
    assert.equal(typeof call.arguments, 'string');
    const marker = `\n[truncated: ${data.length + '{"data":""}'.length - 64_000} more characters]`;
    assert.equal(call.arguments, `{"data":"${data.slice(0, 64_000 - '{"data":"'.length)}${marker}`);
    const runDir = path.join(dir, '.orchestrator', 'runs', doc.execution_id);
    for (const f of ['checkpoint.json', 'result.json']) {
      const size = fs.statSync(path.join(runDir, f)).size;
      assert.ok(size < 200_000, `${f}: ${size} bytes`);
    }
  });
});
