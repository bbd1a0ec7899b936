// An agent's tool call held for approval in a served run (the built CLI, a loopback OpenAI server):
// the call is a pending answer in the events with its arguments to edit, and answered over HTTP
// with other arguments it runs with them; the provider key never leaves.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { call } from '../../fixtures/agents/cliTriage';
import { tempDir, turnOf } from '../../helpers/agentRun';
import { readFrames, startServe, type ServeProcess } from '../../helpers/serveProcess';
import type { AgentStepResult, ResultDocument } from '../../../engine/api/index';

const KEY = 'sk-loopback-serve-agent-0001';

const GATED = `id: gated
model: openai:gpt-4o-mini
steps:
  - id: gated
    action: agent
    tools: [{filesystem.write: {approve: true}}]
    parameters:
      prompt: Write report.md
`;

describe('orc serve: an agent\'s call held for approval (the built CLI)', function () {
  this.timeout(40_000);
  let srv: LoopbackProviders;
  let dir: string;
  let s: ServeProcess;

  before(async () => {
    srv = await new LoopbackProviders().start();
    srv.responder = (body) => (turnOf(body) === 0 ? { toolCalls: [call('filesystem_write', { path: 'report.md', content: 'model text' })] } : { text: 'Finished.' });
    dir = tempDir('orc-serve-agent-');
    fs.writeFileSync(path.join(dir, 'gated.pipeline.yaml'), GATED);
    s = await startServe(dir, [], { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${srv.origin}/v1` });
  });

  after(async () => {
    await s?.stop();
    await srv?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows the call as a pending answer with its arguments, and runs it with the arguments answered', async () => {
    const { run_id: id } = (await (await fetch(`${s.url}/pipelines/gated/runs`, { method: 'POST', body: '{}' })).json()) as { run_id: string };
    const asked = await readFrames(await fetch(`${s.url}/runs/${id}/events`), (f) => f.some((x) => x.event === 'answer-pending'));
    const q = asked.frames.find((f) => f.event === 'answer-pending')!.data as { step_id: string; choices: string[]; editable_arguments: { value: string } };
    assert.deepEqual([q.step_id, q.choices, JSON.parse(q.editable_arguments.value)], ['gated', ['approve', 'deny'], { path: 'report.md', content: 'model text' }]);
    const answered = await fetch(`${s.url}/runs/${id}/answers/gated`, { method: 'POST', body: JSON.stringify({ approve: true, arguments: { path: 'report.md', content: 'edited text' } }) });
    assert.equal(answered.status, 200);
    const { frames } = await readFrames(await fetch(`${s.url}/runs/${id}/events`));
    const doc = frames[frames.length - 1].data as ResultDocument;
    assert.equal(doc.status, 'completed');
    const c = (doc.steps.gated.result as AgentStepResult).tool_calls[0];
    assert.deepEqual([c.tool, c.status, c.edited], ['filesystem.write', 'ok', true]);
    assert.equal(fs.readFileSync(path.join(dir, 'report.md'), 'utf8'), 'edited text');
    const all = JSON.stringify(frames) + s.stdout() + s.stderr();
    assert.ok(!all.includes(KEY));
  });
});
