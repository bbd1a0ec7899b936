// Debugging an agent step over DAP, as a debugger UI drives it: a breakpoint holds the step before
// its first model call; Step Into stops before each tool call, with the call and the conversation in
// Variables and a frame per turn; arguments changed in Variables (checked against the tool's schema)
// are what the tool runs with; Deny Tool Call answers the model with a denial; Step Over runs the
// whole step; Watch and the debug console see `call` and `agent`. The model is the loopback server
// speaking OpenAI's protocol through the real SDK; the tools are the real filesystem tool.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { LoopbackProviders } from '../fixtures/providers/loopbackServer';
import { loopbackEnv, tempDir, turnOf } from '../helpers/agentRun';
import { DapSession, nameValue } from '../helpers/dapSession';
import { createModelRunner, type AgentStepResult, type ResultDocument } from '../../engine/api/index';

const PIPELINE = `id: agent_debug
model: openai:gpt-4o-mini
steps:
  - id: writer
    action: agent
    tools: [filesystem.write, filesystem.read]
    parameters:
      prompt: Write the notes, then read them back.
  - id: after
    tool: filesystem
    action: list
    dependencies: [writer]
    parameters:
      path: .
      pattern: "*.txt"
`;
// lines: writer 4-8, after 9-15

interface WireMessage {
  role: string;
  tool_call_id?: string;
  content?: string;
}

describe('debug adapter: an agent step, call by call', function () {
  this.timeout(60_000);
  const srv = new LoopbackProviders();
  let dir: string;
  let file: string;
  let dap: DapSession;

  before(async () => {
    await srv.start();
  });
  after(async () => {
    await srv.stop();
  });
  beforeEach(async () => {
    dir = tempDir('orc-dap-agent-');
    file = path.join(dir, 'agent.pipeline.yaml');
    fs.writeFileSync(file, PIPELINE);
    srv.requests.length = 0;
    srv.script.length = 0;
    srv.responder = (body) => {
      const turn = turnOf(body);
      if (turn === 0)
        return {
          text: 'I will write the notes and a log.',
          toolCalls: [
            { id: 'call_a', name: 'filesystem_write', arguments: { path: 'notes.txt', content: 'draft' } },
            { id: 'call_b', name: 'filesystem_write', arguments: { path: 'log.txt', content: 'wrote the notes' } },
          ],
        };
      if (turn === 1) return { toolCalls: [{ id: 'call_c', name: 'filesystem_read', arguments: { path: 'notes.txt' } }] };
      return { text: 'Done.' };
    };
    dap = new DapSession(dir, () => ({ checkpoint: true, models: createModelRunner({ env: loopbackEnv(srv), resilience: { baseDelayMs: 1, maxDelayMs: 5 } }) }));
    await dap.start();
  });
  afterEach(async () => {
    await dap.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
  const exists = (name: string) => fs.existsSync(path.join(dir, name));
  const resultDoc = (): ResultDocument => {
    const runs = fs.readdirSync(path.join(dir, '.orchestrator', 'runs'));
    assert.equal(runs.length, 1);
    return JSON.parse(fs.readFileSync(path.join(dir, '.orchestrator', 'runs', runs[0], 'result.json'), 'utf8')) as ResultDocument;
  };
  const agentResult = () => resultDoc().steps.writer.result as AgentStepResult;
  /** The tool answers the model got in request `n` (0 first): [call id, content]. */
  const toolAnswers = (n: number) => (srv.requests[n].body.messages as WireMessage[]).filter((m) => m.role === 'tool').map((m) => [m.tool_call_id, m.content]);
  const frameNames = (frames: DebugProtocol.StackFrame[]) => frames.map((f) => [f.name, f.line]);

  /** Breakpoint on the agent step, then Step Into: stopped before its first call. */
  async function atFirstCall() {
    await dap.launch(file, [{ line: 5 }]);
    const held = await dap.stoppedAt('breakpoint');
    assert.deepEqual(frameNames(held.frames), [['writer', 4]]);
    // held before its first model call
    assert.equal(srv.requests.length, 0);
    await dap.dc.stepInRequest({ threadId: held.threadId });
    return dap.stoppedAt('step');
  }

  it('Step Into stops before the first call: the call and the conversation in Variables, a frame per turn; an edited argument is what the tool runs with', async () => {
    const s = await atFirstCall();
    assert.equal(s.event.body.description, 'writer is about to call filesystem.write (turn 1, call_a)');
    assert.deepEqual(frameNames(s.frames), [
      ['before filesystem.write (call_a)', 4],
      ['turn 1: gpt-4o-mini — 2 calls', 4],
      ['writer', 4],
    ]);
    assert.equal(exists('notes.txt'), false, 'the held call has not run');
    assert.deepEqual((await dap.dc.threadsRequest()).body.threads.map((t) => t.name), ['writer (before filesystem.write)']);
    const top = s.frames[0].id;
    assert.deepEqual(await dap.scopeNames(top), ['Tool call', 'Conversation']);
    const call = await dap.scopeRef(top, 'Tool call');
    const callVars = await dap.vars(call);
    assert.deepEqual(nameValue(callVars), [
      ['tool', '"filesystem.write"'],
      ['id', '"call_a"'],
      ['turn', '1'],
      ['arguments', '{path, content}'],
    ]);
    // the Variables context menu offers Deny Tool Call on the call's values
    assert.equal((callVars[3] as DebugProtocol.Variable & { __vscodeVariableMenuContext?: string }).__vscodeVariableMenuContext, 'toolCall');
    const args = await dap.child(call, 'arguments');
    assert.deepEqual(nameValue(await dap.vars(args)), [
      ['path', '"notes.txt"'],
      ['content', '"draft"'],
    ]);
    const conversation = await dap.scopeRef(top, 'Conversation');
    assert.deepEqual(nameValue(await dap.vars(conversation)), [
      ['transcript', 'Array(1)'],
      ['tool_calls', 'Array(0)'],
    ]);
    const turn1 = await dap.child(await dap.child(conversation, 'transcript'), '0');
    assert.deepEqual(
      nameValue(await dap.vars(turn1)).filter(([n]) => ['turn', 'model', 'text', 'tool_calls'].includes(n)),
      [
        ['turn', '1'],
        ['model', '"openai:gpt-4o-mini"'],
        ['text', '"I will write the notes and a log."'],
        ['tool_calls', 'Array(2)'],
      ],
    );
    // the step's own frame keeps its scopes; the turn's frame shows the turn
    assert.deepEqual(await dap.scopeNames(s.frames[2].id), ['Inputs (running)', 'Parameters', 'Steps']);
    assert.deepEqual(await dap.scopeNames(s.frames[1].id), ['Turn 1']);

    // an edit that does not fit the tool's schema is refused, and nothing changes
    const refused = await dap.dc.setVariableRequest({ variablesReference: args, name: 'path', value: '42' }).then(
      () => 'accepted',
      (e: Error) => e.message,
    );
    assert.equal(refused, "filesystem.write would not take these arguments: 'path' must be string. They are unchanged.");
    const notArgs = await dap.dc.setVariableRequest({ variablesReference: call, name: 'tool', value: '"filesystem.read"' }).then(
      () => 'accepted',
      (e: Error) => e.message,
    );
    assert.equal(notArgs, "'tool' cannot be changed: only the call's arguments can");
    const set = await dap.dc.setVariableRequest({ variablesReference: args, name: 'content', value: '"edited in the debugger"' });
    assert.equal(set.body.value, '"edited in the debugger"');
    assert.deepEqual(nameValue(await dap.vars(args)), [
      ['path', '"notes.txt"'],
      ['content', '"edited in the debugger"'],
    ]);

    await dap.continueToEnd(s.threadId);
    assert.equal(read('notes.txt'), 'edited in the debugger');
    assert.equal(read('log.txt'), 'wrote the notes');
    const r = agentResult();
    assert.deepEqual(
      r.tool_calls.map((c) => [c.id, c.tool, c.status, c.edited ?? false, c.arguments]),
      [
        ['call_a', 'filesystem.write', 'ok', true, { path: 'notes.txt', content: 'edited in the debugger' }],
        ['call_b', 'filesystem.write', 'ok', false, { path: 'log.txt', content: 'wrote the notes' }],
        ['call_c', 'filesystem.read', 'ok', false, { path: 'notes.txt' }],
      ],
    );
    // the model was told what the edited call did: 22 bytes, and read back the edited text
    assert.deepEqual(toolAnswers(1), [
      ['call_a', '{"path":"notes.txt","size":22}'],
      ['call_b', '{"path":"log.txt","size":15}'],
    ]);
    assert.match(toolAnswers(2)[2][1] as string, /"content":"edited in the debugger"/);
    assert.deepEqual(
      dap.custom.map((c) => c.body),
      [{ held: null }, { held: null }, { held: { tool: 'filesystem.write', id: 'call_a', turn: 1, agent: 'writer' } }, { held: null }],
    );
  });

  it('Step Into from call to call, turn after turn, then past the answer to the next step; Watch and the console see call and agent', async () => {
    const a = await atFirstCall();
    await dap.dc.stepInRequest({ threadId: a.threadId });
    const b = await dap.stoppedAt('step');
    assert.equal(b.event.body.description, 'writer is about to call filesystem.write (turn 1, call_b)');
    // a turn's calls are all shown before any of them runs; they run once the last is let go
    assert.deepEqual([exists('notes.txt'), exists('log.txt')], [false, false]);
    await dap.dc.stepInRequest({ threadId: b.threadId });
    const c = await dap.stoppedAt('step');
    assert.deepEqual([read('notes.txt'), read('log.txt')], ['draft', 'wrote the notes']);
    assert.deepEqual(frameNames(c.frames), [
      ['before filesystem.read (call_c)', 4],
      ['turn 2: gpt-4o-mini — 1 call', 4],
      ['turn 1: gpt-4o-mini — 2 calls', 4],
      ['writer', 4],
    ]);
    const conversation = await dap.scopeRef(c.frames[0].id, 'Conversation');
    const calls = await dap.vars(await dap.child(conversation, 'tool_calls'));
    assert.deepEqual(calls.map((v) => v.name), ['0', '1']);
    assert.deepEqual(nameValue(await dap.vars(calls[1].variablesReference)).filter(([n]) => ['id', 'tool', 'status', 'turn'].includes(n)), [
      ['id', '"call_b"'],
      ['tool', '"filesystem.write"'],
      ['status', '"ok"'],
      ['turn', '1'],
    ]);
    const turn1 = await dap.vars(await dap.scopeRef(c.frames[2].id, 'Turn 1'));
    assert.deepEqual(nameValue(turn1).find(([n]) => n === 'calls'), ['calls', 'Array(2)']);

    const top = c.frames[0].id;
    const watch = (expression: string, context = 'watch') => dap.dc.evaluateRequest({ expression, frameId: top, context }).then((x) => x.body.result);
    assert.equal(await watch('call.arguments.path'), '"notes.txt"');
    assert.equal(await watch('agent.transcript | length'), '2');
    assert.equal(await watch('{{ agent.name }} asked for {{ call.tool }} in turn {{ call.turn }} after {{ agent.tool_calls | length }} calls; it said: {{ (agent.transcript | first).text }}', 'repl'), 'writer asked for filesystem.read in turn 2 after 2 calls; it said: I will write the notes and a log.');
    // the step's scope is there too
    assert.equal(await watch("steps.writer is defined"), 'false');

    await dap.dc.stepInRequest({ threadId: c.threadId });
    const next = await dap.stoppedAt('step');
    assert.deepEqual(frameNames(next.frames), [['after', 9]]);
    assert.equal(srv.requests.length, 3);
    await dap.continueToEnd(next.threadId);
    assert.equal(resultDoc().status, 'completed');
    assert.equal(agentResult().answer, 'Done.');
  });

  it('Deny Tool Call: the call is not run, the model is told a person denied it, and the run stops before the next call', async () => {
    const a = await atFirstCall();
    const denied = await dap.dc.customRequest('denyToolCall', { threadId: a.threadId });
    assert.deepEqual(denied.body, { tool: 'filesystem.write', id: 'call_a' });
    const b = await dap.stoppedAt('step');
    assert.equal(b.event.body.description, 'writer is about to call filesystem.write (turn 1, call_b)');
    await dap.continueToEnd(b.threadId);
    assert.equal(exists('notes.txt'), false);
    assert.equal(read('log.txt'), 'wrote the notes');
    const r = agentResult();
    assert.deepEqual(
      r.tool_calls.slice(0, 2).map((c) => [c.id, c.status, c.error ?? null]),
      [
        ['call_a', 'denied', 'The call was denied by the person debugging the run.'],
        ['call_b', 'ok', null],
      ],
    );
    assert.deepEqual(toolAnswers(1), [
      ['call_a', 'Error: The call was denied by the person debugging the run.'],
      ['call_b', '{"path":"log.txt","size":15}'],
    ]);
  });

  it('Deny Tool Call where the run is not at a call is refused with the reason', async () => {
    await dap.launch(file, [{ line: 5 }]);
    const held = await dap.stoppedAt('breakpoint');
    const refused = await dap.dc.customRequest('denyToolCall', { threadId: held.threadId }).then(
      () => 'accepted',
      (e: Error) => e.message,
    );
    assert.equal(refused, 'The run is not held at a tool call: Deny Tool Call denies the call it stopped before');
    await dap.continueToEnd(held.threadId);
    assert.equal(read('notes.txt'), 'draft');
  });

  it('Step Over on the held agent step runs the whole step (no stop at its calls) and stops before the next step', async () => {
    await dap.launch(file, [{ line: 5 }]);
    const held = await dap.stoppedAt('breakpoint');
    await dap.dc.nextRequest({ threadId: held.threadId });
    const next = await dap.stoppedAt('step');
    assert.deepEqual(frameNames(next.frames), [['after', 9]]);
    assert.deepEqual([read('notes.txt'), read('log.txt'), srv.requests.length], ['draft', 'wrote the notes', 3]);
    await dap.continueToEnd(next.threadId);
    assert.equal(dap.pendingStops, 0);
  });

  it("a named agent's calls stop too, under a frame naming the agent and the call that started it", async () => {
    fs.writeFileSync(path.join(dir, 'facts.txt'), 'The sky is blue.');
    const nested = path.join(dir, 'nested.pipeline.yaml');
    fs.writeFileSync(
      nested,
      `id: nested
model: openai:gpt-4o-mini
agents:
  reader:
    instructions: You read files.
    tools: [filesystem.read]
steps:
  - id: brain
    action: agent
    tools: [{agent: reader}]
    parameters:
      prompt: What does facts.txt say?
`,
    );
    srv.responder = (body) => {
      const reader = (body.messages as WireMessage[])[0]?.role === 'system';
      if (reader) return turnOf(body) === 0 ? { toolCalls: [{ id: 'call_r1', name: 'filesystem_read', arguments: { path: 'facts.txt' } }] } : { text: 'It says the sky is blue.' };
      return turnOf(body) === 0 ? { toolCalls: [{ id: 'call_m1', name: 'agent__reader', arguments: { prompt: 'Read facts.txt.' } }] } : { text: 'Blue.' };
    };
    await dap.launch(nested, [{ line: 9 }]);
    const held = await dap.stoppedAt('breakpoint');
    await dap.dc.stepInRequest({ threadId: held.threadId });
    const m1 = await dap.stoppedAt('step');
    assert.equal(m1.event.body.description, 'brain is about to call agent:reader (turn 1, call_m1)');
    await dap.dc.stepInRequest({ threadId: m1.threadId });
    const r1 = await dap.stoppedAt('step');
    assert.equal(r1.event.body.description, 'agent reader is about to call filesystem.read (turn 1, call_r1)');
    assert.deepEqual(frameNames(r1.frames), [
      ['before filesystem.read (call_r1)', 8],
      ['turn 1: gpt-4o-mini — 1 call', 8],
      ['agent reader (called by call_m1)', 8],
      ['brain', 8],
    ]);
    assert.deepEqual(nameValue(await dap.vars(await dap.scopeRef(r1.frames[0].id, 'Tool call'))), [
      ['tool', '"filesystem.read"'],
      ['id', '"call_r1"'],
      ['turn', '1'],
      ['agent', '"reader"'],
      ['arguments', '{path}'],
    ]);
    await dap.continueToEnd(r1.threadId);
    const doc = resultDoc();
    assert.equal((doc.steps.brain.result as AgentStepResult).answer, 'Blue.');
  });

  it('Pause while the model thinks stops before the call it asks for', async () => {
    const first = srv.responder!;
    // the model takes its time over the first turn: Pause comes while it thinks (the step is running)
    srv.responder = (body) => (turnOf(body) === 0 ? { ...first(body), delayMs: 3000 } : first(body));
    await dap.launch(file, []);
    for (let i = 0; i < 500 && !srv.requests.length; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(srv.requests.length, 1, 'the model was asked');
    await dap.dc.pauseRequest({ threadId: 0 });
    const s = await dap.stoppedAt('pause');
    assert.equal(s.event.body.description, 'writer is about to call filesystem.write (turn 1, call_a)');
    assert.equal(exists('notes.txt'), false);
    await dap.continueToEnd(s.threadId);
    assert.equal(read('notes.txt'), 'draft');
  });

  it('Step Over at a call runs the rest of the step and stops before the next step', async () => {
    const a = await atFirstCall();
    await dap.dc.nextRequest({ threadId: a.threadId });
    const next = await dap.stoppedAt('step');
    assert.deepEqual(frameNames(next.frames), [['after', 9]]);
    assert.deepEqual([read('notes.txt'), read('log.txt')], ['draft', 'wrote the notes']);
    await dap.continueToEnd(next.threadId);
    assert.deepEqual(agentResult().tool_calls.map((c) => c.edited ?? false), [false, false, false]);
  });
});
