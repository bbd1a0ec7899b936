// The engine's debugger hook at an agent's tool calls (RunDebugger.beforeToolCall), through a real
// run against the loopback provider server: every call the loop will run is shown to the debugger
// one at a time in the order the model asked, before any call of the turn starts; an edit runs with
// the new arguments and is marked `edited`; an edit that does not fit the schema and a denial are
// answered to the model; cancelling the run while a call is held ends the wait.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAgentPipeline, tempDir, turnOf, useLoopback } from '../../helpers/agentRun';
import type { AgentStepResult, RunDebugger, ToolCallPoint } from '../../../engine/api/index';

const PIPELINE = `id: hooked
model: openai:gpt-4o-mini
steps:
  - id: writer
    action: agent
    tools: [filesystem.write]
    parallel_tool_calls: true
    parameters:
      prompt: Write the notes.
`;

const write = (id: string, file: string, content: string) => ({ id, name: 'filesystem_write', arguments: { path: file, content } });

interface ToolMessage {
  role: string;
  tool_call_id?: string;
  content?: string;
}

describe('agent steps: the debugger hook before each tool call', function () {
  this.timeout(20000);
  const srv = useLoopback();
  let dir: string;

  beforeEach(() => {
    dir = tempDir();
    srv.responder = (body) => (turnOf(body) === 0 ? { toolCalls: [write('call_a', 'a.txt', 'from the model'), write('call_b', 'b.txt', 'second'), write('call_c', 'c.txt', 'third')] } : { text: 'Done.' });
  });

  const result = (doc: { steps: Record<string, { result: unknown }> }) => doc.steps.writer.result as AgentStepResult;
  const toolMessages = () => (srv.requests[1].body.messages as ToolMessage[]).filter((m) => m.role === 'tool').map((m) => [m.tool_call_id, m.content]);

  it('asks one call at a time in the order asked, before any runs; runs the edit, denies the denied, refuses an edit that does not fit', async () => {
    const seen: string[] = [];
    const points: ToolCallPoint[] = [];
    const hooks: RunDebugger = {
      beforeStep: () => undefined,
      beforeToolCall: async (p) => {
        points.push(p);
        // no call of the turn has run while the debugger is asked
        seen.push(`${p.call.id} ${['a.txt', 'b.txt', 'c.txt'].filter((f) => fs.existsSync(path.join(dir, f))).length} written`);
        await new Promise((r) => setTimeout(r, 5));
        if (p.call.id === 'call_a') return { action: 'edit', arguments: { path: 'a.txt', content: 'from the debugger' } };
        if (p.call.id === 'call_b') return { action: 'deny' };
        return { action: 'edit', arguments: { path: 'c.txt', content: 'x', colour: 'red' } };
      },
    };
    const { doc, events } = await runAgentPipeline(srv, dir, PIPELINE, { debugger: hooks });
    assert.equal(doc.steps.writer.status, 'completed');
    assert.deepEqual(seen, ['call_a 0 written', 'call_b 0 written', 'call_c 0 written']);
    // what the debugger is shown: the step's place, the agent, the turn, the real arguments, the schema, the conversation so far
    const p = points[0];
    assert.deepEqual([p.key, p.step.id, p.scopePath, p.agent, p.turn, p.call], ['writer', 'writer', [], { name: 'writer', path: [] }, 1, { id: 'call_a', tool: 'filesystem.write', arguments: { path: 'a.txt', content: 'from the model' } }]);
    assert.deepEqual((p.schema as { required: string[] }).required, ['path', 'content']);
    assert.deepEqual([p.conversation.transcript.map((t) => [t.turn, t.tool_calls]), p.conversation.tool_calls], [[[1, ['call_a', 'call_b', 'call_c']]], []]);
    assert.equal(p.scope.lookup('steps').found, true);

    assert.equal(fs.readFileSync(path.join(dir, 'a.txt'), 'utf8'), 'from the debugger');
    assert.deepEqual([fs.existsSync(path.join(dir, 'b.txt')), fs.existsSync(path.join(dir, 'c.txt'))], [false, false]);
    const calls = result(doc).tool_calls;
    assert.deepEqual(
      calls.map((c) => [c.id, c.status, c.edited ?? false, c.arguments, c.error ?? null]),
      [
        ['call_a', 'ok', true, { path: 'a.txt', content: 'from the debugger' }, null],
        ['call_b', 'denied', false, { path: 'b.txt', content: 'second' }, 'The call was denied by the person debugging the run.'],
        ['call_c', 'error', true, { path: 'c.txt', content: 'x', colour: 'red' }, "Not run: the arguments the person debugging the run gave do not fit the schema of filesystem_write: the arguments has 'colour', which the tool does not take."],
      ],
    );
    // the model is answered for each call, in the order it asked (OpenAI's adapter marks an error result 'Error: ')
    assert.deepEqual(toolMessages(), [
      ['call_a', '{"path":"a.txt","size":17}'],
      ['call_b', 'Error: The call was denied by the person debugging the run.'],
      ['call_c', "Error: Not run: the arguments the person debugging the run gave do not fit the schema of filesystem_write: the arguments has 'colour', which the tool does not take."],
    ]);
    // the panel hears the call start with the arguments it runs with
    const started = events.filter((e) => e.type === 'tool-call-started').map((e) => (e as { call: { id: string; arguments: unknown } }).call);
    assert.deepEqual(started[0], { id: 'call_a', tool: 'filesystem.write', arguments: { path: 'a.txt', content: 'from the debugger' } });
    // the time the calls were held is paused time, within the step's duration
    const step = doc.steps.writer;
    assert.ok((step.paused_ms ?? 0) > 0 && (step.paused_ms ?? 0) <= (step.duration_ms ?? 0), `paused_ms ${step.paused_ms} within duration_ms ${step.duration_ms}`);
    assert.ok((doc.paused_ms ?? 0) >= (step.paused_ms ?? 0));
  });

  it('cancelling the run while a call is held ends the wait; the call never runs', async () => {
    const ctl = new AbortController();
    const hooks: RunDebugger = {
      beforeStep: () => undefined,
      beforeToolCall: () => {
        setTimeout(() => ctl.abort(), 20);
        return new Promise(() => undefined);
      },
    };
    const { doc } = await runAgentPipeline(srv, dir, PIPELINE, { debugger: hooks, signal: ctl.signal });
    assert.equal(doc.status, 'cancelled');
    assert.equal(doc.steps.writer.status, 'cancelled');
    assert.equal(fs.existsSync(path.join(dir, 'a.txt')), false);
    assert.equal(srv.requests.length, 1);
  });

  it('a debugger without the hook, or one whose hook fails, lets every call run as asked (the failure warned)', async () => {
    const plain = await runAgentPipeline(srv, dir, PIPELINE, { debugger: { beforeStep: () => undefined } });
    assert.deepEqual(result(plain.doc).tool_calls.map((c) => [c.id, c.status, c.edited ?? false]), [
      ['call_a', 'ok', false],
      ['call_b', 'ok', false],
      ['call_c', 'ok', false],
    ]);
    fs.rmSync(path.join(dir, 'a.txt'));
    srv.requests.length = 0;
    const failing = await runAgentPipeline(srv, dir, PIPELINE, {
      debugger: {
        beforeStep: () => undefined,
        beforeToolCall: (p) => {
          if (p.call.id === 'call_b') throw new Error('the adapter went away');
        },
      },
    });
    assert.deepEqual(result(failing.doc).tool_calls.map((c) => [c.id, c.status]), [
      ['call_a', 'ok'],
      ['call_b', 'ok'],
      ['call_c', 'ok'],
    ]);
    assert.deepEqual(
      failing.events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message),
      ['The debugger failed before a call of filesystem.write (it runs as asked): the adapter went away'],
    );
  });
});
