// An agent step's conversation as the graph panel keeps it (media/conversation.ts through the run
// state's reducer, media/runState.ts): the exact view after each sequence of agent events — calls
// that end out of order, a denied and a refused call, a named agent under the call that started
// it, the text streamed into the turn that runs — the same view rebuilt from the step's result, and
// the bounds that hold however long the loop runs. Last, a real agent run on the loopback provider
// server: the view its events build is the view its result builds.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze, createModelRunner, runPipeline } from '../../engine/api/index';
import type { AgentToolCall, AgentTurn } from '../../engine/agent/types';
import { emptyStepResult, type RunEvent } from '../../engine/run/events';
import { MAX_CALLS, MAX_TURNS, MAX_TURN_TEXT, MAX_VALUE_CHARS, progressLine, progressOf, type AgentView } from '../../media/conversation';
import { applyEvents, emptyRun, type RunView } from '../../media/runState';
import { LoopbackProviders } from '../fixtures/providers/loopbackServer';
import { loopbackEnv } from '../fixtures/agents/wires';
import { at, call, DELEGATE, FIRST, FIRST_ENDS, LIST, MODEL, READ, REST, RESULT, SHELL, STEP_ENDED, top, turn, W_READ, WORKER, WORKER_ENDS, WRITE } from '../helpers/agentConversationEvents';

const figures = (t: AgentTurn) => ({ model: t.model, ended: true, tokensIn: t.tokens_in, tokensOut: t.tokens_out, costUsd: t.cost_usd, latencyMs: t.latency_ms, text: t.text, textOmitted: 0, calls: [], callsOmitted: 0 });
const ended = (c: AgentToolCall) => ({ id: c.id, tool: c.tool, arguments: c.arguments, state: c.status, durationMs: c.duration_ms, agent: null, ...(c.result !== undefined ? { result: c.result } : {}), ...(c.error !== undefined ? { error: c.error } : {}) });
const running = (c: AgentToolCall, state: 'running' | 'waiting' | 'queued') => ({ id: c.id, tool: c.tool, arguments: c.arguments, state, durationMs: null, agent: null });

/** The finished conversation, as the events leave it and as the result builds it. */
const WORKER_VIEW: AgentView = { name: 'worker', turns: [{ turn: 1, ...figures(WORKER.transcript[0]), calls: [ended(W_READ)] }, { turn: 2, ...figures(WORKER.transcript[1]) }], turnsOmitted: 0, calls: 1, stopReason: 'answered', answer: 'B is minor.' };
const FINISHED: AgentView = {
  name: 'triage',
  turns: [
    { turn: 1, ...figures(RESULT.transcript[0]), calls: [ended(LIST), ended(READ), ended(WRITE), ended(SHELL)] },
    { turn: 2, ...figures(RESULT.transcript[1]), calls: [{ ...ended(DELEGATE), agent: WORKER_VIEW }] },
    { turn: 3, ...figures(RESULT.transcript[2]) },
  ],
  turnsOmitted: 0,
  calls: 5,
  stopReason: 'answered',
  answer: 'One report is critical.',
};

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const viewAfter = (events: RunEvent[], run: RunView = emptyRun()) => applyEvents(run, events);

describe('webview: an agent step\'s conversation from its events', () => {
  it('streams the turn\'s text into the turn that runs, and counts the turn on the node', () => {
    const { run, changed } = viewAfter(FIRST);
    assert.deepEqual([...changed], ['triage']);
    assert.deepEqual(run.steps.triage.agent, { name: 'triage', turns: [{ turn: 1, model: MODEL, text: 'Let me lo', textOmitted: 0, ended: false, tokensIn: 0, tokensOut: 0, costUsd: 0, latencyMs: null, calls: [], callsOmitted: 0 }], turnsOmitted: 0, calls: 0, stopReason: null, answer: null });
    assert.equal(progressLine(run.steps.triage.agent!, true), 'turn 1 · 0 calls');
  });

  it('follows parallel calls that end out of order: one waits for approval, one is refused, one still runs', () => {
    const { run } = viewAfter([...FIRST, ...FIRST_ENDS]);
    const a = run.steps.triage.agent!;
    assert.deepEqual(a.turns, [{ turn: 1, ...figures(RESULT.transcript[0]), calls: [running(LIST, 'running'), ended(READ), running(WRITE, 'waiting'), ended(SHELL)] }]);
    assert.deepEqual(progressOf(a), { turn: 1, turns: 1, calls: 4, waiting: 1 });
    assert.equal(progressLine(a, true), 'turn 1 · 4 calls');
  });

  it('hangs a named agent\'s turns and calls under the call that started it, and streams into its turn', () => {
    const { run } = viewAfter([...FIRST, ...FIRST_ENDS, ...REST]);
    const a = run.steps.triage.agent!;
    assert.deepEqual(a.turns[0].calls.map((c) => [c.id, c.state]), [['c1', 'ok'], ['c2', 'ok'], ['c3', 'denied'], ['c4', 'refused']]);
    assert.deepEqual(a.turns[1].calls[0].agent, {
      name: 'worker',
      turns: [{ turn: 1, ...figures(WORKER.transcript[0]), calls: [ended(W_READ)] }, { turn: 2, model: MODEL, text: 'B is', textOmitted: 0, ended: false, tokensIn: 0, tokensOut: 0, costUsd: 0, latencyMs: null, calls: [], callsOmitted: 0 }],
      turnsOmitted: 0,
      calls: 1,
      stopReason: null,
      answer: null,
    });
    assert.deepEqual({ ...a.turns[1].calls[0], agent: null }, running(DELEGATE, 'running'));
    assert.equal(a.turns[1].text, '', 'the named agent\'s text is not the caller\'s');
    assert.deepEqual(progressOf(a), { turn: 2, turns: 2, calls: 5, waiting: 0 });
  });

  it('ends with the view the step\'s result builds, so a finished run opened later shows the same', () => {
    const live = viewAfter([...FIRST, ...FIRST_ENDS, ...REST, ...WORKER_ENDS]).run;
    assert.deepEqual(live.steps.triage.agent, FINISHED);
    assert.equal(progressLine(FINISHED, false), '3 turns · 5 calls');
    const done = viewAfter([STEP_ENDED], live).run;
    assert.deepEqual(done.steps.triage.agent, FINISHED);
    // the Runs view replays a record: the step's end alone
    const replayed = viewAfter([FIRST[0], clone(STEP_ENDED)]).run;
    assert.deepEqual(replayed.steps.triage.agent, FINISHED);
    // and a restored panel (its state saved as JSON) reads it back the same
    assert.deepEqual(clone(done).steps.triage.agent, FINISHED);
  });

  it('marks what still ran as not finished when the step ends without a record (cancelled), and starts afresh on the next attempt', () => {
    const cancelled: RunEvent = { type: 'step-ended', ...at(9), result: { ...emptyStepResult('cancelled'), error: 'The run was cancelled', error_type: 'CancelledError' } };
    let { run } = viewAfter([...FIRST, ...FIRST_ENDS, cancelled]);
    assert.deepEqual(run.steps.triage.agent!.turns[0].calls.map((c) => [c.id, c.state]), [['c1', 'stopped'], ['c2', 'ok'], ['c3', 'stopped'], ['c4', 'refused']]);
    assert.equal(progressOf(run.steps.triage.agent!).waiting, 0);
    ({ run } = viewAfter([{ type: 'step-started', ...at(30), attempt: 2, inputs: {} }], run));
    assert.equal(run.steps.triage.agent, null);
  });

  it("keeps a loop body's latest iteration: another iteration's agent running beside it is not mixed in", () => {
    const inLoop = (i: number) => ({ stepId: 'triage', scope: [{ loop: 'each', index: i }] });
    const { run } = viewAfter([
      { type: 'step-started', time: 1, ...inLoop(0), attempt: 1, inputs: {} },
      { type: 'agent-turn-started', time: 2, ...inLoop(0), agent: top, turn: 1, model: MODEL },
      { type: 'step-started', time: 3, ...inLoop(1), attempt: 1, inputs: {} },
      { type: 'agent-turn-started', time: 4, ...inLoop(0), agent: top, turn: 2, model: MODEL },
      { type: 'agent-turn-started', time: 5, ...inLoop(1), agent: top, turn: 1, model: 'openai:gpt-4o' },
      { type: 'step-output', time: 6, ...inLoop(0), stream: 'text', chunk: 'not this one' },
      { type: 'step-output', time: 6, ...inLoop(1), stream: 'text', chunk: 'this one' },
    ]);
    assert.deepEqual(run.steps.triage.agent!.turns.map((t) => [t.turn, t.model, t.text]), [[1, 'openai:gpt-4o', 'this one']]);
  });

  it('stays bounded: the latest turns and calls, long texts and values cut saying how much', () => {
    const events: RunEvent[] = [FIRST[0], FIRST[1]];
    const big = 'x'.repeat(MAX_VALUE_CHARS + 10);
    for (let n = 1; n <= MAX_TURNS + 50; n++) {
      const c = { id: `call_${n}`, tool: 'filesystem.read', arguments: { path: `${n}.md` } };
      events.push(
        { type: 'agent-turn-started', ...at(n), agent: top, turn: n, model: MODEL },
        { type: 'agent-turn-ended', ...at(n), agent: top, turn: turn(n, '', [c.id]), calls: [c] },
        { type: 'tool-call-started', ...at(n), agent: top, turn: n, call: c, approval: false },
        { type: 'tool-call-ended', ...at(n), agent: top, call: call(c.id, c.tool, c.arguments, n, { result: big }) },
      );
    }
    const last = MAX_TURNS + 51;
    events.push({ type: 'agent-turn-started', ...at(last), agent: top, turn: last, model: MODEL }, { type: 'step-output', ...at(last), stream: 'text', chunk: 'y'.repeat(MAX_TURN_TEXT - 2) }, { type: 'step-output', ...at(last), stream: 'text', chunk: 'abcdef' });
    const a = viewAfter(events).run.steps.triage.agent!;
    assert.equal(a.turns.length, MAX_TURNS);
    assert.equal(a.turnsOmitted, 51);
    assert.deepEqual([a.turns[0].turn, a.turns.at(-1)!.turn], [52, last]);
    assert.equal(a.calls, MAX_TURNS + 50, 'every call asked is counted');
    assert.equal(a.turns[0].calls[0].result, `${'x'.repeat(MAX_VALUE_CHARS)}… [10 more characters]`);
    assert.equal(a.turns.at(-1)!.text, `${'y'.repeat(MAX_TURN_TEXT - 2)}ab`);
    assert.equal(a.turns.at(-1)!.textOmitted, 4);

    // many calls in few turns: the oldest turns go until the calls fit, never the latest turn
    const many: RunEvent[] = [FIRST[0], FIRST[1]];
    for (let n = 1; n <= 3; n++) {
      const calls = Array.from({ length: 90 }, (_, i) => ({ id: `t${n}_${i}`, tool: 'filesystem.list', arguments: {} }));
      many.push({ type: 'agent-turn-started', ...at(n), agent: top, turn: n, model: MODEL }, { type: 'agent-turn-ended', ...at(n), agent: top, turn: turn(n, '', calls.map((c) => c.id)), calls });
    }
    const b = viewAfter(many).run.steps.triage.agent!;
    assert.deepEqual(b.turns.map((t) => [t.turn, t.calls.length]), [[2, 90], [3, 90]]);
    assert.ok(b.turns.reduce((n, t) => n + t.calls.length, 0) <= MAX_CALLS);
    assert.deepEqual([b.turnsOmitted, b.calls], [1, 270]);
  });
});

describe('webview: the conversation of a real agent run', function () {
  this.timeout(60_000);
  const server = new LoopbackProviders();
  before(() => server.start());
  after(() => server.stop());

  it('builds from the events of a run on the loopback server the view its result builds', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-conversation-'));
    try {
      fs.mkdirSync(path.join(dir, 'inbox'));
      fs.writeFileSync(path.join(dir, 'inbox', 'a.md'), 'A: the export loses rows\n');
      const source = `id: conv
model: ${MODEL}
agents:
  worker:
    instructions: You read files.
    tools: [filesystem.read]
steps:
  - id: triage
    action: agent
    tools: [filesystem.list, filesystem.read, {filesystem.write: {approve: true}}, {agent: worker}]
    parameters:
      prompt: Triage the inbox.
`;
      server.script.push(
        {
          text: 'Let me look.',
          toolCalls: [
            { id: 'c1', name: 'filesystem_list', arguments: { path: 'inbox' } },
            { id: 'c2', name: 'filesystem_read', arguments: { path: 'inbox/a.md' } },
            { id: 'c3', name: 'filesystem_read', arguments: { path: 'inbox/missing.md' } },
            { id: 'c4', name: 'filesystem_write', arguments: { path: 'report.md', content: '# Report' } },
            { id: 'c5', name: 'terminal_execute', arguments: { command: 'ls' } },
          ],
        },
        { toolCalls: [{ id: 'c6', name: 'agent__worker', arguments: { prompt: 'Read inbox/a.md' } }] },
        { toolCalls: [{ id: 'w1', name: 'filesystem_read', arguments: { path: 'inbox/a.md' } }] },
        { text: 'A loses rows.' },
        { text: 'One report is critical.' },
      );
      const file = path.join(dir, 'conv.pipeline.yaml');
      fs.writeFileSync(file, source);
      const events: RunEvent[] = [];
      const doc = await runPipeline(analyze(source), { cwd: dir, source, pipelineFile: file, models: createModelRunner({ env: loopbackEnv(server.origin) }), listeners: [(e) => events.push(e)], checkpoint: false });
      assert.equal(doc.status, 'completed', JSON.stringify(doc.steps.triage.error));
      const end = events.findIndex((e) => e.type === 'step-ended' && e.stepId === 'triage');
      const live = applyEvents(emptyRun(), events.slice(0, end)).run.steps.triage.agent!;
      assert.deepEqual(live.turns.map((t) => [t.turn, t.text, t.calls.map((c) => `${c.tool} ${c.state}`)]), [
        [1, 'Let me look.', ['filesystem.list ok', 'filesystem.read ok', 'filesystem.read error', 'filesystem.write denied', 'terminal_execute refused']],
        [2, '', ['agent:worker ok']],
        [3, 'One report is critical.', []],
      ]);
      const sub = live.turns[1].calls[0].agent!;
      assert.deepEqual([sub.name, sub.stopReason, sub.answer, sub.turns.map((t) => [t.turn, t.text, t.calls.map((c) => `${c.tool} ${c.state} ${JSON.stringify(c.result)}`)])], [
        'worker',
        'answered',
        'A loses rows.',
        [
          [1, '', ['filesystem.read ok {"content":"A: the export loses rows\\n","size":25,"path":"inbox/a.md"}']],
          [2, 'A loses rows.', []],
        ],
      ]);
      assert.deepEqual([live.stopReason, live.answer, live.calls], ['answered', 'One report is critical.', 6]);
      // the step's end replaces the live view with its record's: the same
      const finished = applyEvents(emptyRun(), events).run.steps.triage.agent;
      assert.deepEqual(finished, live);
      // and so does the record alone, as the Runs view replays it
      const replayed = applyEvents(emptyRun(), [{ type: 'step-ended', time: 0, stepId: 'triage', scope: [], result: clone(doc.steps.triage) }]).run.steps.triage.agent;
      assert.deepEqual(replayed, live);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
