// An agent's conversation on a cassette: recorded turn by turn with each tool's result, replayed
// with no provider (the server stopped), its tools run for real or, with replayTools, answered from
// the cassette so nothing is touched; a conversation that goes another way is a miss that says where.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LoopbackProviders } from '../../fixtures/providers/loopbackServer';
import { runAgentPipeline, tempDir, turnOf } from '../../helpers/agentRun';
import type { AgentStepResult } from '../../../engine/api/index';

const PIPELINE = `id: taped
model: anthropic:claude-haiku-4-5
steps:
  - id: scribe
    action: agent
    tools: [filesystem.read, filesystem.write]
    parameters:
      prompt: Copy the first line of in.txt to out.txt.
`;

/** Tool results without their timings, for comparing a recording with its replay. */
const plain = (r: AgentStepResult) => ({ answer: r.answer, stop_reason: r.stop_reason, turns: r.turns, calls: r.tool_calls.map(({ duration_ms: _d, ...c }) => c) });

describe('agent steps: record and replay', function () {
  this.timeout(20000);

  it('replays a recorded conversation offline; replayTools answers the tools too, so nothing is written', async () => {
    const srv = await new LoopbackProviders().start();
    const dir = tempDir();
    const cassette = path.join(dir, 'taped.cassette.jsonl');
    fs.writeFileSync(path.join(dir, 'in.txt'), 'first line\nsecond line\n');
    srv.responder = (body) => {
      const turn = turnOf(body);
      if (turn === 0) return { toolCalls: [{ id: 'toolu_r', name: 'filesystem_read', arguments: { path: 'in.txt' } }] };
      if (turn === 1) return { toolCalls: [{ id: 'toolu_w', name: 'filesystem_write', arguments: { path: 'out.txt', content: 'first line\n' } }] };
      return { text: 'Copied.' };
    };
    const recorded = await runAgentPipeline(srv, dir, PIPELINE, { cassette: { mode: 'record', file: cassette } });
    await srv.stop();
    assert.equal(recorded.doc.steps.scribe.status, 'completed');
    const lines = fs.readFileSync(cassette, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { request: { kind: string; model: string }; answer: { tool_calls?: unknown[]; tool_result?: unknown } });
    // three turns and two tool results
    assert.deepEqual(lines.map((l) => l.request.kind).sort(), ['chat', 'chat', 'chat', 'tool', 'tool']);
    assert.deepEqual(lines.filter((l) => l.request.kind === 'tool').map((l) => l.request.model).sort(), ['filesystem.read', 'filesystem.write']);

    // the provider is gone: the turns come from the cassette, the tools run for real
    fs.rmSync(path.join(dir, 'out.txt'));
    const replayed = await runAgentPipeline(srv, dir, PIPELINE, { cassette: { mode: 'replay', file: cassette } });
    assert.equal(replayed.doc.steps.scribe.status, 'completed');
    assert.deepEqual(plain(replayed.doc.steps.scribe.result as AgentStepResult), plain(recorded.doc.steps.scribe.result as AgentStepResult));
    assert.equal(fs.readFileSync(path.join(dir, 'out.txt'), 'utf8'), 'first line\n');

    // and with replayTools nothing runs: the file is not written again
    fs.rmSync(path.join(dir, 'out.txt'));
    const offline = await runAgentPipeline(srv, dir, PIPELINE, { cassette: { mode: 'replay', file: cassette, replayTools: true } });
    assert.deepEqual(plain(offline.doc.steps.scribe.result as AgentStepResult), plain(recorded.doc.steps.scribe.result as AgentStepResult));
    assert.equal(fs.existsSync(path.join(dir, 'out.txt')), false);
  });

  it('a conversation that goes another way on replay fails the step with what differs, and calls nothing', async () => {
    const srv = await new LoopbackProviders().start();
    const dir = tempDir();
    const cassette = path.join(dir, 'taped.cassette.jsonl');
    fs.writeFileSync(path.join(dir, 'in.txt'), 'first line\n');
    srv.responder = (body) => (turnOf(body) === 0 ? { toolCalls: [{ id: 'toolu_r', name: 'filesystem_read', arguments: { path: 'in.txt' } }] } : { text: 'Read it.' });
    await runAgentPipeline(srv, dir, PIPELINE, { cassette: { mode: 'record', file: cassette } });
    await srv.stop();
    // the file changed since the recording: the tool's result differs, so the second turn's conversation does
    fs.writeFileSync(path.join(dir, 'in.txt'), 'another line\n');
    const { doc } = await runAgentPipeline(srv, dir, PIPELINE, { cassette: { mode: 'replay', file: cassette } });
    const step = doc.steps.scribe;
    assert.equal(step.status, 'failed');
    assert.equal(step.error_type, 'CassetteMiss');
    assert.match(step.error!, /^Step 'scribe': the cassette taped\.cassette\.jsonl has no recorded answer for this call to anthropic:claude-haiku-4-5 \(a replay makes no live call\)\. Nearest recorded request \(step 'scribe'\): the result of filesystem_read \(call toolu_r, message 3\) differs at character 13: recorded ".*first line.*, now ".*another line.*Record again with --record, or run the step live\.$/);
    assert.equal((step.result as AgentStepResult).stop_reason, 'error');
    assert.equal((step.result as AgentStepResult).turns, 1);
  });
});
