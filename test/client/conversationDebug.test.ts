// The debugger and conversations, over DAP as a debugger UI drives it: the "Agent handoffs" filter
// stops when triage hands the conversation to billing, before billing's first turn, with the
// handoff and the conversation in Variables; Restart Frame on a held step's frame forks the run at
// that step as `orc fork` does (the run stopped, its record kept; the fork's upstream answered from
// it, the fork held before the step), and again on the fork: a fork of a fork. The model is the
// loopback server speaking OpenAI's protocol through the real SDK.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LoopbackProviders } from '../fixtures/providers/loopbackServer';
import { loopbackEnv, tempDir, turnOf } from '../helpers/agentRun';
import { DapSession, nameValue } from '../helpers/dapSession';
import { createModelRunner, listRuns, type AgentStepResult, type ResultDocument, readRunResult, type RunSummary } from '../../engine/api/index';
import { HANDOFF_FILTER } from '../../client/debugAdapter';

const PIPELINE = `id: desk
model: openai:gpt-4o-mini
agents:
  billing:
    description: Answers questions about charges and refunds.
    instructions: You are the billing specialist.
    tools: [filesystem.read]
steps:
  - id: intake
    tool: filesystem
    action: write
    parameters:
      path: request.txt
      content: charged twice
  - id: triage
    action: agent
    tools: [filesystem.list]
    handoffs: [billing]
    dependencies: [intake]
    parameters:
      instructions: You triage support requests.
      prompt: I was charged twice for my order.
      stream: false
`;
// lines: intake 9-14, triage 15-22

describe('debug adapter: handoffs and Restart Frame', function () {
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
    dir = tempDir('orc-dap-conversation-');
    file = path.join(dir, 'desk.pipeline.yaml');
    fs.writeFileSync(file, PIPELINE);
    srv.requests.length = 0;
    srv.script.length = 0;
    srv.responder = (body) => (turnOf(body) === 0 ? { toolCalls: [{ id: 'call_t1', name: 'transfer_to_billing', arguments: {} }] } : { text: 'I have refunded the second charge.' });
    dap = new DapSession(dir, () => ({ checkpoint: true, models: createModelRunner({ env: loopbackEnv(srv), resilience: { baseDelayMs: 1, maxDelayMs: 5 } }) }));
    await dap.start();
  });
  afterEach(async () => {
    await dap.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const runs = () => listRuns(dir).filter((r): r is RunSummary => 'pipeline_id' in r);
  const doc = (id: string) => readRunResult(dir, id) as ResultDocument;

  it('offers "Agent handoffs" and Restart Frame', async () => {
    const init = await dap.dc.initializeRequest();
    assert.equal(init.body?.supportsRestartFrame, true);
    assert.deepEqual(init.body?.exceptionBreakpointFilters?.map((f) => [f.filter, f.label]), [['failure', 'Stop on failure'], ['handoff', 'Agent handoffs']]);
  });

  it('stops at a handoff before the new agent speaks, the handoff and the conversation in Variables', async () => {
    await dap.launch(file, [], [HANDOFF_FILTER]);
    const at = await dap.stoppedAt('handoff');
    assert.equal(at.event.body.description, 'triage handed the conversation to billing (turn 1)');
    assert.deepEqual(at.frames.map((f) => f.name), ['handoff: triage → billing', 'turn 1: gpt-4o-mini — 1 call', 'triage']);
    assert.deepEqual(at.frames.map((f) => Boolean(f.canRestart)), [false, false, true]);
    assert.equal(srv.requests.length, 1, "billing's first turn waits");
    assert.deepEqual(await dap.scopeNames(at.frames[0].id), ['Handoff', 'Conversation']);
    assert.deepEqual(nameValue(await dap.vars(await dap.scopeRef(at.frames[0].id, 'Handoff'))), [['from', '"triage"'], ['to', '"billing"'], ['turn', '1']]);
    const conversation = await dap.scopeRef(at.frames[0].id, 'Conversation');
    assert.deepEqual((await dap.vars(conversation)).map((v) => v.name), ['transcript', 'tool_calls', 'handoffs']);
    const threads = (await dap.dc.threadsRequest()).body.threads.map((t) => t.name);
    assert.deepEqual(threads, ['triage (handoff to billing)']);
    await dap.continueToEnd(at.threadId);
    const [run] = runs();
    const r = doc(run.execution_id).steps.triage.result as AgentStepResult;
    assert.equal(r.answer, 'I have refunded the second charge.');
    assert.deepEqual(r.handoffs, [{ to: 'billing', turn: 1 }]);
    assert.equal(srv.requests.length, 2);
  });

  it('without the filter a handoff does not stop the run', async () => {
    // waited for before the launch: the run may end before the launch's answer arrives
    const ended = dap.dc.waitForEvent('terminated', 30_000);
    await dap.launch(file, []);
    await ended;
    assert.equal(dap.pendingStops, 0);
    assert.equal(runs()[0].status, 'completed');
  });

  it("Restart Frame on a held step forks the run there; on the fork's, a fork of the fork", async () => {
    await dap.launch(file, [{ line: 15 }]);
    const first = await dap.stoppedAt('breakpoint');
    assert.deepEqual(first.frames.map((f) => [f.name, f.canRestart]), [['triage', true]]);
    const parent = runs()[0].execution_id;
    fs.writeFileSync(path.join(dir, 'request.txt'), 'changed by hand');
    await dap.dc.restartFrameRequest({ frameId: first.frames[0].id });
    const forked = await dap.stoppedAt('restart');
    assert.deepEqual(forked.frames.map((f) => f.name), ['triage']);
    // the parent stopped, its record kept; the fork names it and the step, its intake taken from the record (not run again)
    const byId = new Map(runs().map((r) => [r.execution_id, r]));
    assert.equal(byId.get(parent)?.status, 'cancelled');
    const fork = runs().find((r) => r.trigger?.kind === 'fork')!;
    assert.deepEqual(fork.trigger, { kind: 'fork', name: `${parent}@triage`, parent, at: 'triage' });
    assert.equal(fs.readFileSync(path.join(dir, 'request.txt'), 'utf8'), 'changed by hand', 'intake was not run again');
    assert.equal(srv.requests.length, 0);
    // again, on the fork: a fork of the fork
    await dap.dc.restartFrameRequest({ frameId: forked.frames[0].id });
    const again = await dap.stoppedAt('restart');
    await dap.continueToEnd(again.threadId);
    const all = runs();
    assert.equal(all.length, 3);
    const last = all.find((r) => r.trigger?.parent === fork.execution_id)!;
    assert.equal(last.status, 'completed');
    assert.equal(last.trigger?.at, 'triage');
    assert.deepEqual(Object.keys(doc(last.execution_id).steps), ['intake', 'triage']);
    assert.equal(doc(last.execution_id).steps.intake.status, 'completed');
    assert.equal(srv.requests.length, 2, 'only the last fork asked the model');
  });

  it('Restart Frame on a turn frame says what it can restart', async () => {
    await dap.launch(file, [], [HANDOFF_FILTER]);
    const at = await dap.stoppedAt('handoff');
    await assert.rejects(dap.dc.restartFrameRequest({ frameId: at.frames[1].id }), /Restart Frame forks the run at a step: choose a step's frame/);
    await dap.continueToEnd(at.threadId);
  });
});
